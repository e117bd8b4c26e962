"""The CLI through click's CliRunner, plus one real subprocess of .venv/bin/peft-why."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from peft_why.cli.main import cli

FP16 = "ValueError: Attempting to unscale FP16 gradients.\n"
UNRELATED = "ZeroDivisionError: division by zero\n"


def _run(args: list[str], stdin: bytes | str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, args, input=stdin)
    return result.exit_code, result.stdout, result.stderr


def _lines(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_bare_command_is_match_and_reads_stdin() -> None:
    code, out, _ = _run(["--json"], FP16)
    (line,) = _lines(out)
    assert code == 0
    assert line["status"] == "matched" and line["source"] == "-" and line["schema_version"] == 1
    assert line["matches"][0]["id"] == "fp16-unscale-amp"  # type: ignore[index]
    keys = {"id", "title", "score", "confidence", "evidence", "finding", "distinguish"}  # the last two: additive
    assert set(line["matches"][0]) == keys  # type: ignore[index]


def test_json_lines_in_input_order_with_errors(tmp_path: Path) -> None:
    good, other = tmp_path / "good.txt", tmp_path / "other.txt"
    good.write_text(FP16)
    other.write_text(UNRELATED)
    code, out, err = _run(["match", "--format", "json", str(other), str(tmp_path / "missing.txt"), str(good)])
    statuses = [(row["source"], row["status"]) for row in _lines(out)]
    assert statuses == [(str(other), "no-match"), (str(tmp_path / "missing.txt"), "error"), (str(good), "matched")]
    assert code == 2 and "no such file" in err


def test_no_match_exits_1() -> None:
    code, out, _ = _run(["--json"], UNRELATED)
    assert code == 1 and _lines(out)[0]["matches"] == []


def test_empty_input_is_no_match() -> None:
    code, out, _ = _run(["--json"], "")
    assert code == 1 and _lines(out)[0]["status"] == "no-match"


def test_binary_input_is_an_error_not_a_traceback() -> None:
    code, out, err = _run(["--json"], b"\x00\x01\x02binary\x00" * 100)
    row = _lines(out)[0]
    assert code == 2 and row["status"] == "error" and "binary" in str(row["error"])
    assert "Traceback" not in err


def test_invalid_utf8_still_matches() -> None:
    code, out, _ = _run(["--json"], b"caf\xe9 \xfa\xfb garbage\n" + FP16.encode())
    assert code == 0 and _lines(out)[0]["status"] == "matched"


def test_ten_megabyte_paste_is_windowed(tmp_path: Path) -> None:
    big = tmp_path / "big.log"
    big.write_text("INFO step 1 loss 0.5\n" * 500_000 + FP16)
    code, out, err = _run(["--json", str(big)])
    assert code == 0 and _lines(out)[0]["status"] == "matched" and "analysed the last" in err


def test_text_output_names_entry_and_fix() -> None:
    code, out, _ = _run([], FP16)
    assert code == 0 and "fp16-unscale-amp" in out and "Fix:" in out


def test_markdown_output() -> None:
    code, out, _ = _run(["--format", "markdown"], FP16)
    assert code == 0 and "**Fix:**" in out and "`fp16-unscale-amp`" in out


def test_unknown_stage_is_usage_error() -> None:
    code, _, err = _run(["--stages", "regex,magic"], FP16)
    assert code == 2 and "unknown stage(s) magic" in err


def test_stages_restrict_evidence() -> None:
    code, out, _ = _run(["--json", "--stages", "regex"], FP16)
    stages = {e["stage"] for e in _lines(out)[0]["matches"][0]["evidence"]}  # type: ignore[index]
    assert code == 0 and stages == {"regex"}


def test_debug_trace_shows_parsed_structure() -> None:
    _code, out, _ = _run(["--json", "--debug-trace"], FP16)
    trace = _lines(out)[0]["trace"]
    assert trace["exceptions"][0]["type"] == "ValueError"  # type: ignore[index]


def test_explain_known_and_unknown() -> None:
    code, out, _ = _run(["explain", "fp16-unscale-amp", "--format", "markdown"])
    assert code == 0 and out.startswith("# Trainable (LoRA) parameters") and "## Fix" in out
    code, _, err = _run(["explain", "fp16-unscale-ampp"])
    assert code == 2 and "did you mean 'fp16-unscale-amp'" in err


def test_kb_list_and_lint() -> None:
    code, out, _ = _run(["kb", "list", "--json"])
    rows = _lines(out)
    assert code == 0 and any(r["id"] == "fp16-unscale-amp" and r["source"] == "built-in" for r in rows)
    code, _, err = _run(["kb", "lint"])
    assert code == 0 and err.startswith("ok:")


def test_kb_lint_reports_broken_user_entry(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("id: broken\ntitle: [\n")
    code, out, _ = _run(["kb", "lint", "--kb", str(tmp_path)])
    assert code == 2 and f"{tmp_path / 'broken.yaml'}:3:1: broken: -: invalid YAML" in out


def test_version_names_kb_size() -> None:
    code, out, _ = _run(["--version"])
    assert code == 0 and out.startswith("peft-why 0.1.0 (KB: ")


def test_real_console_script_subprocess() -> None:
    exe = Path(sys.executable).with_name("peft-why")
    if not exe.exists():
        pytest.skip("console script not installed next to this interpreter")
    env = {**os.environ, "NO_COLOR": "1"}
    done = subprocess.run([str(exe), "--json"], input=FP16, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["matches"][0]["id"] == "fp16-unscale-amp"


def test_a_traceback_before_the_window_is_still_found(tmp_path: Path) -> None:
    log = tmp_path / "crash-then-shutdown.log"
    traceback = 'Traceback (most recent call last):\n  File "train.py", line 9, in <module>\n    step()\n' + FP16
    log.write_text("INFO step 1\n" * 1000 + traceback + "INFO shutting down worker\n" * 200_000)
    code, out, err = _run(["--json", str(log)])
    assert code == 0 and _lines(out)[0]["matches"][0]["id"] == "fp16-unscale-amp"  # type: ignore[index]
    assert "1 earlier traceback block(s)" in err


def test_window_keeps_early_blocks_apart_and_bounded() -> None:
    from peft_why.cli.inputs import EARLY_BLOCK, MAX_EARLY_BLOCKS, WINDOW, window

    text = "".join(f"Traceback (most recent call last):\nValueError: error {n}\n" + "x\n" * 40_000 for n in range(5))
    text += "y\n" * WINDOW
    kept, notice = window("log", text)
    assert kept.count("Traceback (most recent call last)") == MAX_EARLY_BLOCKS
    assert "ValueError: error 4" in kept and "ValueError: error 1" not in kept
    assert len(kept) <= WINDOW + MAX_EARLY_BLOCKS * EARLY_BLOCK
    assert f"{MAX_EARLY_BLOCKS} earlier traceback block(s)" in notice


def test_explain_shows_presentations_and_distinguish_when_an_entry_has_them(tmp_path: Path) -> None:
    from peft_why.cli.explain import entry_markdown
    from peft_why.kb.loader import load_kb

    entry = next(e for e in load_kb(include_env=False).entries if not e.presentations and not e.distinguish)
    assert "## How it shows" not in entry_markdown(entry)
    from dataclasses import replace

    from peft_why.kb.model import Presentation

    shown = replace(
        entry,
        family="results-differ",
        distinguish="the adapter weights are all zero",
        presentations=(Presentation("outputs equal the base model's", "after from_pretrained", "en"),),
    )
    text = entry_markdown(shown)
    assert "## How it shows\n\n- outputs equal the base model's (after from_pretrained)\n" in text
    assert "Tell it apart from the other `results-differ` failures: the adapter weights are all zero" in text


def test_json_matches_carry_the_finding_and_follow_the_documented_schema() -> None:
    import jsonschema

    schema = json.loads((Path(__file__).parents[2] / "docs/schema/match-result.schema.json").read_text())
    paste = (
        "TypeError: LoraConfig.__init__() got an unexpected keyword argument 'use_dora'\n"
        "$ pip freeze | grep peft\npeft==0.6.2\n"
    )
    result = CliRunner().invoke(cli, ["match", "--json", "-"], input=paste)
    row = json.loads(result.stdout)
    jsonschema.validate(row, schema)
    matches = {m["id"]: m for m in row["matches"]}
    assert matches["outdated-package"]["finding"] == "`use_dora` needs peft >= 0.9.0; the paste shows peft 0.6.2"
    assert all("finding" in m and "distinguish" in m for m in row["matches"])
    item = schema["properties"]["matches"]["items"]["properties"]
    assert {"finding", "distinguish"} <= set(item)  # documented, not merely tolerated
    broken = {**row, "matches": [{**row["matches"][0], "finding": 3}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)
