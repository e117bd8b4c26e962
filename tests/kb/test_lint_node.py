"""``kb lint`` and Node: a missing Node is a notice on a laptop and a failure under CI=true."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from peft_why.cli.main import cli
from peft_why.kb import lint as lint_module


@pytest.fixture
def no_node(monkeypatch: pytest.MonkeyPatch) -> None:
    real_which = lint_module.shutil.which
    monkeypatch.setattr(lint_module.shutil, "which", lambda name: None if name == "node" else real_which(name))


@pytest.mark.usefixtures("no_node")
def test_lint_without_node_only_notes_the_skip_off_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    report = lint_module.lint()
    assert not report.problems and any("node not found" in n for n in report.notices)


@pytest.mark.usefixtures("no_node")
def test_kb_lint_fails_without_node_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    result = CliRunner().invoke(cli, ["kb", "lint"])
    assert result.exit_code == 2
    assert "kb/entries:1:1: *: javascript: node not found" in result.output
    assert "Node is required here" in result.output


@pytest.mark.usefixtures("no_node")
def test_kb_lint_no_js_is_an_explicit_choice_even_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    assert CliRunner().invoke(cli, ["kb", "lint", "--no-js"]).exit_code == 0
