"""The text answer's layout: code printed whole at any width, the finding slot under the title."""

from __future__ import annotations

import io
import re

import pytest
from click.testing import CliRunner

from peft_why.cli.explain import entry_markdown
from peft_why.cli.main import cli
from peft_why.cli.render import make_console, print_markdown, render_markdown, render_text
from peft_why.cli.result import MatchResult
from peft_why.kb.loader import load_kb
from peft_why.kb.schema import Entry
from peft_why.matcher.types import Diagnosis, Evidence

ENTRIES = {entry.id: entry for entry in load_kb(include_env=False).entries}
WIDTHS = (40, 60, 80, 200)
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
FINDING = "use_dora needs peft >= 0.9.0; the paste shows peft 0.6.2"


TERMINALS = [(width, forced) for width in WIDTHS for forced in (False, True)]


@pytest.fixture(params=TERMINALS, ids=lambda p: f"{p[0]}-{'tty' if p[1] else 'pipe'}")
def terminal(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> tuple[int, bool]:
    """A terminal (or pipe) of a given width, the way users get one: COLUMNS and FORCE_COLOR."""
    width, forced = request.param
    monkeypatch.setenv("COLUMNS", str(width))
    monkeypatch.delenv("NO_COLOR", raising=False)
    if forced:
        monkeypatch.setenv("FORCE_COLOR", "1")
    else:
        monkeypatch.delenv("FORCE_COLOR", raising=False)
    console = make_console(io.StringIO())
    assert console.width == width and console.is_terminal == forced
    return width, forced


def _result(entry: Entry, *evidence: Evidence) -> MatchResult:
    diagnosis = Diagnosis(entry.id, entry.title, 0.9, "high", evidence)
    return MatchResult("paste.txt", "matched", (diagnosis,))


def _missing_code(entry: Entry, output: str) -> list[str]:
    """Snippet lines that no output line holds whole (colour codes removed first)."""
    lines = ANSI.sub("", output).splitlines()
    wanted = [line.rstrip() for line in entry.fix.snippet.splitlines() if line.strip()]
    return [line for line in wanted if not any(line in shown for shown in lines)]


def test_every_snippet_line_is_printed_whole_in_text_markdown_and_explain(terminal: tuple[int, bool]) -> None:
    missing: dict[str, list[str]] = {}
    for entry in ENTRIES.values():
        for kind in ("text", "markdown", "explain"):
            out = io.StringIO()
            if kind == "text":
                render_text(_result(entry), ENTRIES, out, show_source=False)
            elif kind == "markdown":
                render_markdown(_result(entry), ENTRIES, out)
            else:
                print_markdown(make_console(out), entry_markdown(entry))
            lost = _missing_code(entry, out.getvalue())
            if lost:
                missing[f"{entry.id} ({kind})"] = lost
    assert not missing
    assert sum(bool(entry.fix.snippet.strip()) for entry in ENTRIES.values()) >= 10


def test_explain_command_prints_commands_whole_in_a_narrow_pipe() -> None:
    result = CliRunner().invoke(cli, ["explain", "outdated-package"], env={"COLUMNS": "40"})
    assert result.exit_code == 0
    assert not _missing_code(ENTRIES["outdated-package"], result.stdout)


def test_text_answer_has_no_box_and_wraps_prose(terminal: tuple[int, bool]) -> None:
    width, _ = terminal
    entry = ENTRIES["fp16-unscale-amp"]
    out = io.StringIO()
    render_text(_result(entry), ENTRIES, out, show_source=False)
    text = ANSI.sub("", out.getvalue())
    assert not set("╭╮╰╯│─") & set(text)
    code = {line.strip() for line in entry.fix.snippet.splitlines()}
    prose = [line for line in text.splitlines() if line.strip() not in code]
    assert max(len(line.rstrip()) for line in prose) <= width


def test_version_evidence_is_the_finding_right_under_the_title() -> None:
    entry = ENTRIES["outdated-package"]
    version = Evidence("version", FINDING, 0, 0.6)
    regex = Evidence("regex", "pattern matched the TypeError message", 5, 1.0)
    out = io.StringIO()
    render_text(_result(entry, regex, version), ENTRIES, out, show_source=False)
    lines = out.getvalue().splitlines()
    title_end = next(i for i, line in enumerate(lines) if not line.strip()) - 1
    assert lines[title_end] == f"Finding: {FINDING}"
    assert out.getvalue().count(FINDING) == 1  # not repeated among "Why matched"

    out = io.StringIO()
    render_markdown(_result(entry, regex, version), ENTRIES, out)
    lines = out.getvalue().splitlines()
    title = next(i for i, line in enumerate(lines) if line.startswith("1. **"))
    assert lines[title + 1] == f"   **Finding:** {FINDING}"


def test_no_finding_line_without_version_evidence() -> None:
    out = io.StringIO()
    render_text(_result(ENTRIES["fp16-unscale-amp"]), ENTRIES, out, show_source=False)
    assert "Finding:" not in out.getvalue()
