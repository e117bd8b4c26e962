"""The regex stage: symptom hits and the literal prefilter that keeps its cost flat."""

from __future__ import annotations

import pytest

from peft_why.matcher.parse import parse
from peft_why.matcher.regex_stage import regex_candidates, required_literal

from .helpers import make_entry


@pytest.mark.parametrize(
    ("pattern", "literal"),
    [
        ("Attempting to unscale FP16 gradients", "attempting to unscale fp16 gradients"),
        (r"Target modules (\{.*\}|\[.*\]) not found in the base model", " not found in the base model"),
        ("(?i)CUDA out of memory", "cuda out of memory"),
        (r"foo\.bar\d+ baz?x", "foo.bar"),  # the optional 'z' ends the run
        ("a|b", None),  # alternation at top level: nothing is certain
        ("x+y", None),  # runs shorter than 4 characters do not filter
    ],
)
def test_required_literal_is_certain_part_of_every_match(pattern: str, literal: str | None) -> None:
    assert required_literal(pattern) == literal


def test_prefilter_keeps_case_insensitive_hits() -> None:
    entry = make_entry("oom", "out of memory", regex="(?i)cuda out of memory")
    found = regex_candidates(parse("RuntimeError: CUDA Out Of Memory. Tried to allocate"), [entry])
    assert [c.entry_id for c in found] == ["oom"]


def test_exception_message_hit_beats_line_hit_and_names_the_line() -> None:
    entry = make_entry("boom", "boom", regex="boom happened", exception=["ValueError"])
    found = regex_candidates(parse("some log line\nValueError: boom happened here"), [entry])
    assert found[0].score == 1.0 and found[0].line == 2


def test_no_literal_no_hit() -> None:
    entry = make_entry("boom", "boom", regex="boom happened")
    assert regex_candidates(parse("ValueError: something else"), [entry]) == []


def test_one_regex_budget_per_paste_stops_a_backtracking_pattern() -> None:
    import time

    from peft_why.kb.schema import Entry
    from peft_why.matcher.parse import parse
    from peft_why.matcher.regex_stage import regex_candidates

    slow = Entry.model_validate(
        {
            "id": "slow-one",
            "title": "t",
            "area": "training",
            "root_cause": "r",
            "fix": {"summary": "s"},
            "symptoms": [{"scope": "any", "regex": "(x+x+)+y"}],  # exponential on a run of x without y
        }
    ).to_model()
    trace = parse("x" * 40)
    start = time.monotonic()
    assert regex_candidates(trace, [slow], deadline=start + 0.2) == []
    assert time.monotonic() - start < 5


def test_prepared_plan_uses_the_literals_it_is_given_and_no_other_plan_sees_them() -> None:
    from peft_why.matcher.regex_stage import candidates, prepare

    entry = make_entry("boom", "boom", regex="boom happened")
    trace = parse("ValueError: boom happened")
    # A cached literal the paste lacks filters the pattern out: proof the cache is read, not re-derived.
    assert candidates(trace, prepare([entry], {"boom happened": "not in the paste"})) == []
    assert [c.entry_id for c in candidates(trace, prepare([entry]))] == ["boom"]


def test_kb_index_imports_no_stage() -> None:
    import subprocess
    import sys

    code = (
        "import sys, peft_why.matcher.index\n"
        "stages = ('regex_stage', 'lexical', 'fuzzy', 'semantic', 'version', 'prepared')\n"
        "print([s for s in stages if f'peft_why.matcher.{s}' in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
