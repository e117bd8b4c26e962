"""Every KB example is a test: ``match`` texts rank their entry first, ``no_match`` texts do not.

Parametrised over the KB, so a new YAML file brings its own tests. Each match
example is checked with that example left out of the similarity index
(leave-one-out): an example must be found by what the rest of the entry says,
not by matching itself.
"""

from __future__ import annotations

import pytest

from peft_why.kb.loader import load_kb
from peft_why.matcher.diagnose import rank
from peft_why.matcher.index import build_index
from peft_why.matcher.parse import parse

KB = load_kb(include_env=False)
INDEX = build_index(KB.active)


def _cases(kind: str) -> list[object]:
    cases = []
    for entry in KB.active:
        texts = entry.examples.match if kind == "match" else entry.examples.no_match
        for number, text in enumerate(texts):
            cases.append(pytest.param(entry.id, number, text, id=f"{entry.id}-{number}"))
    return cases


def _known_misses() -> list[object]:
    return [
        pytest.param(entry.id, miss.text, id=f"{entry.id}-{n}")
        for entry in KB.active
        for n, miss in enumerate(entry.examples.known_miss)
    ]


def test_builtin_kb_has_no_problems() -> None:
    assert [str(p) for p in KB.problems] == []


@pytest.mark.parametrize(("entry_id", "number", "text"), _cases("match"))
def test_match_example_ranks_its_entry_first(entry_id: str, number: int, text: str) -> None:
    diagnoses = rank(parse(text), INDEX.without_example(entry_id, number))
    top = [d.id for d in diagnoses[:3]]
    assert top and top[0] == entry_id, f"expected {entry_id} first, got {top}"


@pytest.mark.parametrize(("entry_id", "number", "text"), _cases("no_match"))
def test_no_match_example_does_not_rank_its_entry_first(entry_id: str, number: int, text: str) -> None:
    diagnoses = rank(parse(text), INDEX)
    assert not diagnoses or diagnoses[0].id != entry_id


@pytest.mark.parametrize(("entry_id", "text"), _known_misses())
def test_known_miss_is_still_missed(entry_id: str, text: str) -> None:
    """A known miss that starts passing fails here, so it gets promoted to ``match``."""
    diagnoses = rank(parse(text), INDEX)
    assert not diagnoses or diagnoses[0].id != entry_id, "now matches: move it to examples.match"
