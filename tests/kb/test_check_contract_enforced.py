"""A new check without fixtures fails the contract test, naming the file to write (run on a copy of the tree)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NEEDED = (
    "pyproject.toml",
    "kb/checks",
    "tests/__init__.py",
    "tests/conftest.py",
    "tests/kb/__init__.py",
    "tests/kb/check_fixtures",
    "tests/kb/test_check_contract.py",
)


def _copy_tree(target: Path) -> None:
    for relative in NEEDED:
        source = ROOT / relative
        if source.is_dir():
            shutil.copytree(source, target / relative, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / relative)


def test_a_discovered_check_without_fixtures_fails_naming_the_file(tmp_path: Path) -> None:
    _copy_tree(tmp_path)
    (tmp_path / "kb" / "checks" / "brand_new_check.py").write_text(
        '"""A check written without its fixtures."""\n\nfrom .api import CheckContext, Finding\n\n\n'
        "def check(ctx: CheckContext) -> Finding:\n    raise NotImplementedError\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/kb/test_check_contract.py",
         "-k", "brand_new_check"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 1, output[-3000:]
    assert "3 failed" in output, output[-3000:]
    assert "check 'brand_new_check' has no fixtures: write tests/kb/check_fixtures/brand_new_check.py" in output


def test_the_same_copy_without_the_new_check_collects_every_known_check(tmp_path: Path) -> None:
    _copy_tree(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--collect-only",
         "tests/kb/test_check_contract.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:]
    assert "brand_new_check" not in done.stdout
    assert "test_check_does_not_confirm_clean_state[device_mismatch]" in done.stdout
