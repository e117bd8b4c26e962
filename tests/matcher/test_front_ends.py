"""Each front end's declared stage set (matcher.front_ends.FRONT_ENDS) ranks the KB's examples.

``tests/kb/test_entries.py`` checks the CLI's set; this runs every set on every
``examples.match`` text, leave-one-out as there. A miss fails unless it is a known
limitation of that front end, stated below with its reason: then it is an xfail, so the
report still shows how many there are.
"""

from __future__ import annotations

import pytest

from peft_why import hook
from peft_why.kb.loader import load_kb
from peft_why.matcher.diagnose import rank
from peft_why.matcher.front_ends import FRONT_ENDS
from peft_why.matcher.index import build_index
from peft_why.matcher.parse import parse
from peft_why.matcher.types import STAGES

KB = load_kb(include_env=False)
INDEX = build_index(KB.active)

# Prose (a sentence with no exception line and no warning) is found by fuzzy and lexical together.
PROSE_OUT_OF_REACH = {
    "hook": "the hook ranks live exceptions, never a sentence someone typed, and has no lexical stage",
    "browser": "the page has no fuzzy stage (rapidfuzz's scorer is not ported), and BM25 alone misses some sentences",
}


def _cases() -> list[object]:
    return [
        pytest.param(front_end, entry.id, number, text, id=f"{front_end}-{entry.id}-{number}")
        for front_end in FRONT_ENDS
        for entry in KB.active
        for number, text in enumerate(entry.examples.match)
    ]


def test_front_ends_name_known_stages_and_the_cli_runs_them_all() -> None:
    assert FRONT_ENDS["cli"] == STAGES
    assert all(stages and set(stages) <= set(STAGES) for stages in FRONT_ENDS.values())


def test_hook_default_is_the_declared_hook_set() -> None:
    """hook.py writes its set out (it imports only os and sys at start-up); it must stay the declared one."""
    assert FRONT_ENDS["hook"] == hook.DEFAULT_STAGES


@pytest.mark.parametrize(("front_end", "entry_id", "number", "text"), _cases())
def test_match_example_ranks_its_entry_first_with_each_front_end(
    front_end: str, entry_id: str, number: int, text: str
) -> None:
    trace = parse(text)
    diagnoses = rank(trace, INDEX.without_example(entry_id, number), stages=FRONT_ENDS[front_end])
    top = [d.id for d in diagnoses[:3]]
    if top[:1] == [entry_id]:
        return
    is_prose = not trace.exceptions and not trace.warnings
    if is_prose and front_end in PROSE_OUT_OF_REACH:
        pytest.xfail(PROSE_OUT_OF_REACH[front_end])
    pytest.fail(f"{front_end} {FRONT_ENDS[front_end]}: expected {entry_id} first, got {top}")
