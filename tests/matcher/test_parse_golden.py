"""Golden tests: real renderings of one failure, each with its expected parse.

Samples live in ``tests/golden/formats/<format>.txt`` (made by ``generate.py`` there);
the expected parse sits beside each as ``<format>.expected.json``. Re-bless with
``UPDATE_GOLDEN=1`` and review the diff like code.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from peft_why.matcher.parse import parse
from peft_why.matcher.trace import Trace

FORMATS = Path(__file__).resolve().parents[1] / "golden" / "formats"
SAMPLES = sorted(FORMATS.glob("*.txt"))
# Every sample renders the same failure; the ExceptionGroup one wraps it as a member.
FAILURE_TYPE = "NoMatchingPeftModuleError"
FAILURE_MESSAGE = (
    "Target modules {'c_attn'} not found in the base model. Please check the target modules and try again."
)


def read(sample: Path) -> str:
    """The sample's exact text: ``read_text`` would turn tqdm's ``\\r`` redraws into line breaks."""
    return sample.read_bytes().decode("utf-8")


def summary(trace: Trace) -> dict[str, Any]:
    """What a golden file pins down: everything parsed, minus the decoded text itself."""
    data = trace.to_dict()
    data.pop("text")
    data.pop("normalised")
    data["final"] = trace.final.headline if trace.final else None
    return data


def test_there_is_a_sample_per_format() -> None:
    names = {path.stem for path in SAMPLES}
    expected = {
        "cpython",
        "exceptiongroup",
        "html-escaped",
        "ipython",
        "issue-report",
        "logs",
        "markdown-post",
    }
    assert expected | {"pytest", "rich", "torchrun", "warnings", "windows"} <= names


@pytest.mark.parametrize("sample", SAMPLES, ids=[path.stem for path in SAMPLES])
def test_golden_parse(sample: Path) -> None:
    expected_path = sample.with_suffix(".expected.json")
    actual = summary(parse(read(sample)))
    rendered = json.dumps(actual, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        expected_path.write_text(rendered, encoding="utf-8")
    assert expected_path.exists(), f"no {expected_path.name}; bless it with UPDATE_GOLDEN=1"
    assert json.loads(rendered) == json.loads(expected_path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("sample", SAMPLES, ids=[path.stem for path in SAMPLES])
def test_every_format_parses_to_the_same_failure(sample: Path) -> None:
    trace = parse(read(sample))
    assert trace.final is not None
    if sample.stem == "exceptiongroup":
        assert trace.final.short_type == "ExceptionGroup"
        members = [b for b in trace.exceptions if b.depth == 1]
        assert (members[0].short_type, members[0].message) == (FAILURE_TYPE, FAILURE_MESSAGE)
        return
    assert (trace.final.short_type, trace.final.message) == (FAILURE_TYPE, FAILURE_MESSAGE)
    assert trace.final.frames, "the raising frames were lost"
    assert trace.final.frames[-1].package == "peft"
    assert trace.final.frames[-1].function.rsplit(".", 1)[-1] == "inject_adapter"  # IPython: BaseTuner.inject_adapter
    assert not trace.truncated


@pytest.mark.parametrize("sample", SAMPLES, ids=[path.stem for path in SAMPLES])
def test_line_numbers_point_into_the_original(sample: Path) -> None:
    raw = read(sample)
    trace = parse(raw)
    original = raw.replace("\r\n", "\n").split("\n")
    assert trace.final is not None
    assert FAILURE_TYPE in original[trace.final.line - 1] or "ExceptionGroup" in original[trace.final.line - 1]
    for frame in trace.final.frames:
        assert str(frame.lineno) in original[frame.line - 1]


@pytest.mark.parametrize("sample", SAMPLES, ids=[path.stem for path in SAMPLES])
def test_every_format_is_diagnosed_as_the_same_entry(sample: Path) -> None:
    from peft_why.matcher.diagnose import diagnose_text, get_kb

    kb, _ = get_kb()
    if "target-modules-not-found" not in {entry.id for entry in kb.entries}:
        pytest.skip("the KB has no target-modules-not-found entry")
    diagnoses = diagnose_text(read(sample))
    assert diagnoses and diagnoses[0].id == "target-modules-not-found"
