"""``peft-why run`` (a real subprocess), ``peft-why hook`` and ``peft-why report`` (CliRunner)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from peft_why.cli import hook_cmd
from peft_why.cli.main import cli

from ..peft_why.scripts import DIAGNOSIS, ENTRY, KNOWN, UNRELATED, clean_env

PEFT_WHY = str(Path(sys.executable).with_name("peft-why"))


def _run(script: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    command = [PEFT_WHY, "run", str(script), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=clean_env(), cwd=cwd)


def test_run_diagnoses_a_known_failure_like_python_would_show_it(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text(KNOWN)
    # a relative path, as typed: tracebacks show it absolute, as python's own do
    plain = subprocess.run([sys.executable, "train.py"], capture_output=True, text=True, env=clean_env(), cwd=tmp_path)
    done = _run(Path("train.py"), cwd=tmp_path)
    assert done.returncode == plain.returncode == 1
    assert done.stdout == "training step 1\n"
    assert done.stderr.startswith(plain.stderr)  # same traceback: no frame of the runner in it
    assert "peft_why" not in plain.stderr and DIAGNOSIS in done.stderr and ENTRY in done.stderr


def test_run_passes_arguments_and_the_scripts_exit_code(tmp_path: Path) -> None:
    script = tmp_path / "args.py"
    script.write_text(
        "import os, sys\n"
        "print(sys.argv[1:], __name__, sys.path[0] == os.path.dirname(os.path.abspath(__file__)))\n"
        "sys.exit(int(sys.argv[-1]))\n"
    )
    done = _run(script, "--lr", "1e-4", "7")
    assert done.returncode == 7
    assert done.stdout == "['--lr', '1e-4', '7'] __main__ True\n" and done.stderr == ""


def test_run_unrelated_error_shows_no_diagnosis(tmp_path: Path) -> None:
    script = tmp_path / "other.py"
    script.write_text(UNRELATED)
    done = _run(script)
    assert done.returncode == 1 and "KeyError: 'missing'" in done.stderr and "peft-why" not in done.stderr


def test_run_syntax_error_looks_like_pythons(tmp_path: Path) -> None:
    script = tmp_path / "broken.py"
    script.write_text("def f(:\n")
    plain = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=clean_env())
    done = _run(script)
    assert (done.returncode, done.stderr) == (plain.returncode, plain.stderr)
    assert "SyntaxError" in done.stderr


def test_run_missing_script_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["run", str(tmp_path / "nope.py")])
    assert result.exit_code == 2 and "does not exist" in result.stderr


def test_hook_install_status_uninstall(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pth = tmp_path / hook_cmd.PTH_NAME
    monkeypatch.setattr(hook_cmd, "pth_path", lambda: pth)
    runner = CliRunner()
    assert runner.invoke(cli, ["hook", "status"]).exit_code == 1
    installed = runner.invoke(cli, ["hook", "install"])
    assert installed.exit_code == 0 and f"installed: {pth}" in installed.stderr
    lines = pth.read_text().splitlines()
    assert lines[0].startswith("#") and lines[1].startswith("import os;") and len(lines) == 2
    status = runner.invoke(cli, ["hook", "status"])
    assert status.exit_code == 0 and status.stdout.startswith("installed:")
    assert runner.invoke(cli, ["hook", "uninstall"]).exit_code == 0 and not pth.exists()
    assert runner.invoke(cli, ["hook", "uninstall"]).exit_code == 0  # already gone: says so, no error


def test_hook_install_into_an_unwritable_place_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hook_cmd, "pth_path", lambda: Path("/proc/peft-why-cannot-write-here.pth"))
    result = CliRunner().invoke(cli, ["hook", "install"])
    assert result.exit_code == 2 and result.stderr.startswith("Error: cannot write /proc/")


def test_pth_line_is_guarded(tmp_path: Path) -> None:
    # The line itself, run where peft_why cannot be imported: nothing happens, nothing prints.
    line = hook_cmd.PTH_LINE
    done = subprocess.run(
        [sys.executable, "-S", "-c", line + "print('alive')"], capture_output=True, text=True, env=clean_env()
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "alive\n", "")


def test_report_from_a_paste(tmp_path: Path) -> None:
    paste = tmp_path / "log.txt"
    paste.write_text(
        "peft==0.13.2\nTraceback (most recent call last):\n"
        '  File "/home/frank/train.py", line 3, in <module>\n'
        "ValueError: Attempting to unscale FP16 gradients. token=hf_" + "z" * 30 + "\n"
    )
    result = CliRunner().invoke(cli, ["report", str(paste)])
    assert result.exit_code == 0
    assert "| peft | 0.13.2 |" in result.stdout and f"`{ENTRY}`" in result.stdout
    assert "frank" not in result.stdout and "hf_zzz" not in result.stdout
    kept = CliRunner().invoke(cli, ["report", "--no-redact", str(paste)])
    assert "hf_zzz" in kept.stdout


def test_report_with_python_reads_that_interpreter(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["report", "--python", sys.executable], input="KeyError: 'x'\n")
    assert result.exit_code == 1  # nothing matched; the report is printed anyway
    assert "| transformers |" in result.stdout and "No known PEFT failure matched" in result.stdout
    bad = CliRunner().invoke(cli, ["report", "--python", str(tmp_path / "python")], input="x\n")
    assert bad.exit_code == 2 and "Error:" in bad.stderr
