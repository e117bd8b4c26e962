"""The gate: ``make check`` runs every check in order, CI runs it, set-up side effects are announced."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _dry_run(target: str) -> list[str]:
    """The commands ``make -n TARGET`` would run, with .venv's stamp treated as fresh."""
    done = subprocess.run(
        ["make", "-n", "--no-print-directory", "-o", ".venv/.peft-why-installed", target],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.splitlines()


@needs_make
def test_make_check_runs_lint_format_kb_types_and_tests_after_browser_deps() -> None:
    lines = _dry_run("check")
    wanted = [
        ".ci/browser-deps.sh",
        ".venv/bin/ruff check .",
        ".venv/bin/ruff format --check .",
        ".venv/bin/peft-why kb lint",
        "mypy --config-file ../pyproject.toml -p peft_why",
        ".venv/bin/python -m pytest -q",
    ]
    found = [next((n for n, line in enumerate(lines) if step in line), -1) for step in wanted]
    assert -1 not in found and found == sorted(found), dict(zip(wanted, found))


@needs_make
def test_make_test_installs_no_system_package() -> None:
    assert not any("browser-deps" in line or "apt-get" in line for line in _dry_run("test"))


def test_ci_and_readme_run_make_check() -> None:
    run = ROOT / ".ci" / "run"
    assert os.access(run, os.X_OK) and "exec make check" in run.read_text()
    assert "make check   # the gate" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_browser_deps_dry_run_says_what_and_why_and_installs_nothing() -> None:
    done = subprocess.run(
        [str(ROOT / ".ci" / "browser-deps.sh"), "--dry-run"], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.startswith("browser-deps: the docs tests (tests/docs)")
    assert "would npm ci playwright-core" in done.stdout and "installing" not in done.stdout


@needs_make
def test_venv_rebuild_is_announced_and_keep_venv_stops_it(tmp_path: Path) -> None:
    for name in ("Makefile", "pyproject.toml", "requirements-dev.txt"):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / "constraints.txt").write_text("torch==2.13.0\npeft==0.20.0\n")
    venv = tmp_path / ".venv"
    venv.mkdir()
    (venv / ".constraints").write_text("torch==2.13.0\npeft==0.19.0\n")
    done = subprocess.run(
        ["make", "--no-print-directory", "setup", "KEEP_VENV=1"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0 and (venv / ".constraints").is_file(), "KEEP_VENV=1 must leave .venv/ alone"
    assert "constraints.txt differs" in done.stdout and "peft==0.20.0" in done.stdout
    assert "KEEP_VENV is set: leaving .venv/ alone" in done.stderr
