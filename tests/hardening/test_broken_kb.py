"""A user KB directory full of broken files: lint names each one, run time skips them and carries on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from peft_why.cli.main import cli

GOOD = """\
id: {id}
title: A user failure
area: training
symptoms:
  - regex: '{pattern}'
root_cause: Something specific to this team.
fix:
  summary: Do the team thing.
verify: {verify}
examples:
  match:
    - "RuntimeError: {pattern}"
    - "got {pattern} again"
    - "{pattern} in my run"
  no_match:
    - "all is fine"
"""


@pytest.fixture
def broken_kb(tmp_path: Path) -> Path:
    files = {
        "team-good.yaml": GOOD.format(id="team-good", pattern="widget overflowed", verify="null"),
        "bad-yaml.yaml": "id: bad-yaml\ntitle: [unclosed\n",
        "wrong-types.yaml": GOOD.format(id="wrong-types", pattern="x1", verify="null").replace(
            "area: training", "area: [1, 2]"
        ),
        "slow-regex.yaml": GOOD.format(id="slow-regex", pattern="(a+)+$", verify="null"),
        "no-check.yaml": GOOD.format(id="no-check", pattern="gizmo failed", verify="no_such_check"),
        "dup-one.yaml": GOOD.format(id="dup", pattern="dup thing", verify="null"),
        "dup-two.yaml": GOOD.format(id="dup", pattern="dup thing", verify="null"),
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_lint_reports_every_broken_file_with_position(broken_kb: Path) -> None:
    result = CliRunner().invoke(cli, ["kb", "lint", "--no-js", "--kb", str(broken_kb)])
    assert result.exit_code == 2
    lines = result.stdout.splitlines()
    expected = {
        "bad-yaml.yaml:3:1: bad-yaml: -: invalid YAML",
        "wrong-types.yaml:3:7: wrong-types: area:",
        "slow-regex.yaml:5:12: slow-regex: symptoms[0].regex: nested unbounded quantifiers",
        "no-check.yaml:9:9: no-check: verify: no check named 'no_such_check'",
        "dup-one.yaml:1:5: dup: id: must equal the file name stem 'dup-one'",
        "dup-two.yaml:1:5: dup: id: must equal the file name stem 'dup-two'",
    }
    for fragment in expected:
        assert any(fragment in line and line.startswith(str(broken_kb)) for line in lines), (fragment, lines)
    assert not any("team-good" in line for line in lines)


def test_run_time_skips_broken_entries_with_one_warning_each(broken_kb: Path) -> None:
    result = CliRunner().invoke(cli, ["--json", "--kb", str(broken_kb)], input="RuntimeError: widget overflowed\n")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["matches"][0]["id"] == "team-good"
    warnings = [line for line in result.stderr.splitlines() if "warning: skipped" in line]
    assert len(warnings) == 5  # bad-yaml, wrong-types, slow-regex, dup-one, dup-two (one line per file)
    builtin = CliRunner().invoke(
        cli, ["--json", "--kb", str(broken_kb)], input="ValueError: Attempting to unscale FP16 gradients."
    )
    assert json.loads(builtin.stdout)["matches"][0]["id"] == "fp16-unscale-amp"


def test_env_path_layers_user_entries(broken_kb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEFT_WHY_KB_PATH", str(broken_kb))
    result = CliRunner().invoke(cli, ["kb", "list", "--json"])
    rows = {json.loads(line)["id"]: json.loads(line)["source"] for line in result.stdout.splitlines()}
    assert rows["team-good"] == str(broken_kb) and rows["fp16-unscale-amp"] == "built-in"
