"""The wheel: everything under ``peft_why``, the KB inside it, and a working console script.

The wheel is installed with ``--no-deps`` into a throwaway venv that sees the
set-up's packages through a ``.pth`` line (a fresh resolve would pull a CUDA torch).
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.venvs import throwaway_venv

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (found,) = out.glob("peft_why-*.whl")
    return found


def test_wheel_installs_everything_under_one_import_package(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    top_level = {name.split("/", 1)[0] for name in names}
    assert {t for t in top_level if not t.endswith(".dist-info")} == {"peft_why"}
    assert "peft_why/kb/entries/fp16-unscale-amp.yaml" in names
    assert "peft_why/matcher/parse.py" in names and "peft_why/cli/main.py" in names


def test_wheel_console_script_runs_in_a_throwaway_venv(wheel: Path, tmp_path: Path) -> None:
    # Dependencies come from the set-up's venv; peft_why itself only from the wheel.
    python, site_dir = throwaway_venv(tmp_path, with_editable=False)
    venv, site = python.parent.parent, str(site_dir)
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    version = subprocess.run([str(venv / "bin" / "peft-why"), "--version"], capture_output=True, text=True, timeout=120)
    assert version.returncode == 0, version.stderr
    assert version.stdout.startswith("peft-why 0.1.0 (KB: ")
    where = subprocess.run(
        [str(python), "-c", "import peft_why.kb; print(peft_why.kb.__file__)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert where.stdout.strip().startswith(site)
    for generic in ("kb", "matcher", "cli"):
        leaked = subprocess.run([str(python), "-c", f"import {generic}"], capture_output=True, text=True, cwd=tmp_path)
        assert leaked.returncode != 0, f"top-level {generic!r} is importable"
