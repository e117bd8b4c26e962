"""The text answer's layout: code printed whole at any width, the finding slot under the title."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from peft_why.answer import close_family
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


def _result(entry: Entry, *evidence: Evidence, finding: str | None = None) -> MatchResult:
    diagnosis = Diagnosis(entry.id, entry.title, 0.9, "high", evidence, finding=finding)
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


def test_the_finding_sits_right_under_the_title_and_is_not_repeated() -> None:
    entry = ENTRIES["outdated-package"]
    version = Evidence("version", FINDING, 0, 0.6)
    regex = Evidence("regex", "pattern matched the TypeError message", 5, 1.0)
    out = io.StringIO()
    render_text(_result(entry, regex, version, finding=FINDING), ENTRIES, out, show_source=False)
    lines = out.getvalue().splitlines()
    title_end = next(i for i, line in enumerate(lines) if not line.strip()) - 1
    assert lines[title_end] == f"Finding: {FINDING}"
    assert out.getvalue().count(FINDING) == 1  # not repeated among "Why matched"

    out = io.StringIO()
    render_markdown(_result(entry, regex, version, finding=FINDING), ENTRIES, out)
    lines = out.getvalue().splitlines()
    title = next(i for i, line in enumerate(lines) if line.startswith("1. **"))
    assert lines[title + 1] == f"   **Finding:** {FINDING}"


def test_no_finding_line_without_a_finding() -> None:
    out = io.StringIO()
    render_text(_result(ENTRIES["fp16-unscale-amp"]), ENTRIES, out, show_source=False)
    assert "Finding:" not in out.getvalue()


def _family_kb(tmp_path: Path) -> Path:
    """Two entries of one family that the same sentence matches equally: a close call to tell apart."""
    members = {
        "zzq-lora-b-zero": ("`lora_B` weights are all zero in the saved adapter", "target_modules_not_found"),
        "zzq-adapter-never-loaded": ("`model.peft_config` is missing: no adapter is attached", "null"),
    }
    for entry_id, (tell, check) in members.items():
        (tmp_path / f"{entry_id}.yaml").write_text(
            f"id: {entry_id}\ntitle: Test member {entry_id} of a family that presents alike\nstatus: stable\n"
            'since: "0.1.0"\narea: loading\nfamily: zzq-answers-like-base\nsymptoms:\n'
            "  - scope: any\n    regex: 'quuxfrob answers like the base model'\n"
            f"distinguish: '{tell}'\nroot_cause: A test entry; the family shares one symptom.\n"
            f"fix:\n  summary: Fix {entry_id}.\n  snippet: |\n    print('{entry_id}')\nverify: {check}\n"
            "examples:\n  match:\n    - my quuxfrob answers like the base model\n"
            "    - after training, quuxfrob answers like the base model\n"
            "    - quuxfrob answers like the base model every time\n"
            "  no_match:\n    - quuxfrob answers differently\n",
            encoding="utf-8",
        )
    return tmp_path


PASTE = "after loading, my quuxfrob answers like the base model\n"


@pytest.mark.parametrize("width", [40, 200])
def test_close_members_of_a_family_are_listed_with_what_tells_them_apart(tmp_path: Path, width: int) -> None:
    kb = _family_kb(tmp_path)
    result = CliRunner().invoke(cli, ["match", "--kb", str(kb), "-"], input=PASTE, env={"COLUMNS": str(width)})
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())  # prose may wrap; compare with whitespace runs collapsed
    assert "Close call: these 2 present alike (zzq-answers-like-base)" in text
    assert "Look: `lora_B` weights are all zero in the saved adapter" in text
    assert "Look: `model.peft_config` is missing: no adapter is attached" in text
    lines = [line.strip() for line in result.stdout.splitlines()]
    # the check command only for the member that has a check, on one line whatever the width
    assert "peft-why verify zzq-lora-b-zero --model BASE_MODEL --adapter ADAPTER_DIR" in lines
    assert not any(line.startswith("peft-why verify zzq-adapter-never-loaded") for line in lines)
    # the differential comes before the best entry's Why/Fix, and members are not repeated as runner-ups
    assert text.index("Close call:") < text.index("Why:") < text.index("Fix:")
    assert "Runner-up: Test member" not in text and "Also possible: Test member" not in text

    rows = CliRunner().invoke(cli, ["match", "--json", "--kb", str(kb), "-"], input=PASTE)
    matches = {m["id"]: m for m in json.loads(rows.stdout)["matches"]}
    assert matches["zzq-lora-b-zero"]["distinguish"] == "`lora_B` weights are all zero in the saved adapter"


def test_close_candidates_of_no_shared_family_get_no_differential() -> None:
    best = Diagnosis("fp16-unscale-amp", "Best", 0.9, "high")
    close = Diagnosis("dtype-mismatch", "Close", 0.88, "high")
    assert close_family([best, close], ENTRIES) == []
    out = io.StringIO()
    render_text(MatchResult("p", "matched", (best, close)), ENTRIES, out, show_source=False)
    assert "Close call" not in out.getvalue() and "Runner-up: Close (dtype-mismatch, 0.88)" in out.getvalue()


def test_the_hook_block_is_the_cli_answer_shortened(monkeypatch: pytest.MonkeyPatch) -> None:
    from peft_why._render import format_diagnosis

    monkeypatch.setenv("COLUMNS", "400")  # wide enough that the CLI wraps no prose: lines compare one to one

    entry = ENTRIES["fp16-unscale-amp"]
    best = Diagnosis(entry.id, entry.title, 0.9, "high", finding="the paste shows fp16 lora_A weights")
    hook = format_diagnosis([best]).splitlines()
    out = io.StringIO()
    render_text(MatchResult("p", "matched", (best,)), ENTRIES, out, show_source=False)
    cli_lines = {line.strip() for line in out.getvalue().splitlines()}
    assert hook[1].endswith(entry.title)  # the hook's title line names what kind of failure it saw
    assert [line for line in hook[2:] if line.strip() and line.strip() not in cli_lines] == []
    assert "  Finding: the paste shows fp16 lora_A weights" in hook
    assert not _missing_code(entry, "\n".join(hook))  # the fix's code, whole, in the hook too
