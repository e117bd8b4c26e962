"""Run time honours an entry's ``verify:``; lint checks it names a check and that CPU reproductions exist."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from peft_why.kb.lint import lint
from peft_why.matcher import diagnose

ENTRY = """\
id: {id}
title: A test failure
area: training
symptoms:
  - scope: message
    regex: 'frobnicator exploded'
root_cause: The frobnicator was overfed.
fix:
  summary: Feed it less.
{extra}examples:
  match:
    - "RuntimeError: frobnicator exploded"
    - "frobnicator exploded again"
    - "my frobnicator exploded"
  no_match:
    - "frobnicator is fine"
"""


def _entry(directory: Path, entry_id: str, extra: str = "") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{entry_id}.yaml"
    path.write_text(ENTRY.format(id=entry_id, extra=textwrap.dedent(extra)), encoding="utf-8")
    return path


@pytest.fixture
def user_kb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("PEFT_WHY_KB_PATH", str(tmp_path))
    monkeypatch.setenv("PEFT_WHY_NO_CACHE", "1")
    yield tmp_path
    diagnose._cached_kb.cache_clear()


def test_verify_runs_the_check_the_entry_names_not_one_derived_from_its_id(user_kb: Path) -> None:
    _entry(user_kb, "renamed-failure", "verify: no_trainable_params\n")
    assert diagnose.entry_check("renamed-failure") == "no_trainable_params"
    result = diagnose.verify("renamed-failure", None)
    assert result.check == "no_trainable_params"
    assert "no check for" not in result.message


def test_an_entry_without_verify_has_no_check_even_when_a_file_has_its_name(user_kb: Path) -> None:
    _entry(user_kb, "no-trainable-params")  # overrides the built-in entry by id, without verify:
    assert diagnose.entry_check("no-trainable-params") is None
    result = diagnose.verify("no-trainable-params", None)
    assert result.status == "not-applicable" and "no check for" in result.message


def test_an_unknown_id_maps_to_its_derived_check_name(user_kb: Path) -> None:
    assert diagnose.entry_check("not-an-entry-at-all") == "not_an_entry_at_all"


def test_lint_requires_the_repro_test_that_reproduced_cpu_promises(tmp_path: Path) -> None:
    entries = tmp_path / "kb" / "entries"
    (tmp_path / "tests" / "kb" / "repro").mkdir(parents=True)
    path = _entry(entries, "cpu-failure", "reproduced:\n  how: cpu\n")
    problems = [str(p) for p in lint([entries], javascript=False).problems]
    assert problems == [
        f"{path}:11:8: cpu-failure: reproduced.how: cpu, but tests/kb/repro/test_cpu_failure.py does not exist:"
        " write it"
    ]
    (tmp_path / "tests" / "kb" / "repro" / "test_cpu_failure.py").write_text("", encoding="utf-8")
    assert lint([entries], javascript=False).problems == []


def test_outside_a_source_checkout_the_repro_rule_does_not_apply(tmp_path: Path) -> None:
    _entry(tmp_path, "cpu-failure", "reproduced:\n  how: cpu\n")
    assert lint([tmp_path], javascript=False).problems == []


def test_lint_rejects_a_verify_that_names_no_check(tmp_path: Path) -> None:
    path = _entry(tmp_path, "odd-failure", "verify: no_such_check_here\n")
    assert [str(p) for p in lint([tmp_path], javascript=False).problems] == [
        f"{path}:10:9: odd-failure: verify: no check named 'no_such_check_here' in kb/checks/"
    ]


def test_lint_requires_a_messages_catalogue_id_to_exist_in_the_catalogue(tmp_path: Path) -> None:
    entries = tmp_path / "kb" / "entries"
    extra = "messages:\n  - package: peft\n    text: 'not found in the base model'\n    catalogue: src:peft:{id}\n"
    path = _entry(entries, "linked-failure", extra.format(id="00000000"))
    problems = [str(p) for p in lint([entries], javascript=False).problems]
    assert problems == [f"{path}:13:16: linked-failure: messages[0].catalogue: src:peft:00000000: not in the catalogue"]
    _entry(entries, "linked-failure", extra.format(id="ef6bf022"))
    assert lint([entries], javascript=False).problems == []
