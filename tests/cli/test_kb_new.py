"""``peft-why kb new ID``: scaffolds what an entry needs; lint then names every placeholder and exits 2."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from peft_why.cli.main import cli


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A temp copy of the parts of a source checkout that ``kb new`` writes into."""
    for folder in ("kb/entries", "kb/checks", "tests/kb/repro", "tests/kb/check_fixtures"):
        (tmp_path / folder).mkdir(parents=True)
    return tmp_path


def test_kb_new_then_lint_names_what_is_missing_and_exits_2(checkout: Path) -> None:
    runner = CliRunner()
    made = runner.invoke(cli, ["kb", "new", "some-failure", "--area", "training", "--root", str(checkout)])
    assert made.exit_code == 0, made.output
    entry = checkout / "kb" / "entries" / "some-failure.yaml"
    assert entry.is_file() and (checkout / "tests" / "kb" / "repro" / "test_some_failure.py").is_file()
    assert not (checkout / "kb" / "checks" / "some_failure.py").exists()  # only with --check

    linted = runner.invoke(cli, ["kb", "lint", "--no-js", "--kb", str(checkout / "kb" / "entries")])
    assert linted.exit_code == 2
    lines = [line for line in linted.output.splitlines() if line.startswith(str(entry))]
    assert lines and all(re.match(rf"{re.escape(str(entry))}:\d+:\d+: some-failure: ", line) for line in lines)
    fields = {line.split(": ")[2] for line in lines}
    assert {"title", "root_cause", "fix.summary", "symptoms[0].regex", "examples.match[0]"} <= fields
    assert "area" not in fields  # given on the command line


def test_kb_new_with_check_scaffolds_a_check_from_the_api_and_failing_fixtures(checkout: Path) -> None:
    made = CliRunner().invoke(cli, ["kb", "new", "other-failure", "--check", "--root", str(checkout)])
    assert made.exit_code == 0, made.output
    check = (checkout / "kb" / "checks" / "other_failure.py").read_text(encoding="utf-8")
    assert "from .api import" in check and "raise NotImplementedError" in check
    fixtures = (checkout / "tests" / "kb" / "check_fixtures" / "other_failure.py").read_text(encoding="utf-8")
    assert fixtures.count("pytest.fail(") == 2 and "def fault(" in fixtures and "def clean(" in fixtures
    entry = (checkout / "kb" / "entries" / "other-failure.yaml").read_text(encoding="utf-8")
    assert "\nverify: other_failure\n" in entry


def test_the_scaffolded_repro_test_fails_until_written(checkout: Path) -> None:
    CliRunner().invoke(cli, ["kb", "new", "some-failure", "--root", str(checkout)])
    namespace: dict[str, object] = {}
    source = (checkout / "tests" / "kb" / "repro" / "test_some_failure.py").read_text(encoding="utf-8")
    exec(compile(source, "test_some_failure.py", "exec"), namespace)
    with pytest.raises(pytest.fail.Exception, match="TODO"):
        namespace["test_some_failure_reproduces"]()  # type: ignore[operator]


@pytest.mark.parametrize(
    ("entry_id", "message"),
    [
        ("Some_Failure", "'Some_Failure' is not a kebab-case id"),
        ("target-modules-not-found", "kb/entries/target-modules-not-found.yaml already exists"),
    ],
)
def test_kb_new_refuses_a_bad_or_existing_id_in_one_line(checkout: Path, entry_id: str, message: str) -> None:
    (checkout / "kb" / "entries" / "target-modules-not-found.yaml").write_text("id: x\n", encoding="utf-8")
    done = CliRunner().invoke(cli, ["kb", "new", entry_id, "--root", str(checkout)])
    assert done.exit_code == 2
    assert message in done.output and len(done.output.strip().splitlines()) == 1
    assert not (checkout / "tests" / "kb" / "repro" / f"test_{entry_id.replace('-', '_')}.py").exists()


def test_kb_new_check_on_an_existing_entry_scaffolds_just_the_check(checkout: Path) -> None:
    entry = checkout / "kb" / "entries" / "some-failure.yaml"
    entry.write_text("id: some-failure\ntitle: x\nverify: null\naffects: {}\n", encoding="utf-8")
    made = CliRunner().invoke(cli, ["kb", "new", "some-failure", "--check", "--root", str(checkout)])
    assert made.exit_code == 0, made.output
    assert entry.read_text(encoding="utf-8") == "id: some-failure\ntitle: x\nverify: some_failure\naffects: {}\n"
    assert (checkout / "kb" / "checks" / "some_failure.py").is_file()
    assert (checkout / "tests" / "kb" / "check_fixtures" / "some_failure.py").is_file()
    assert not (checkout / "tests" / "kb" / "repro" / "test_some_failure.py").exists()  # the entry had its own

    again = CliRunner().invoke(cli, ["kb", "new", "some-failure", "--check", "--root", str(checkout)])
    assert again.exit_code == 2 and "has a check already" in again.output
    assert len(again.output.strip().splitlines()) == 1
