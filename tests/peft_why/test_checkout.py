"""A second checkout running the first one's code (setuptools' editable finder) is detected and named."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from peft_why.checkout import checkout_root, foreign_packages, mixed_checkout_warning, package_dirs
from peft_why.cli.main import cli

from .. import conftest

ROOT = Path(__file__).resolve().parents[2]


def _fake_checkout(where: Path) -> Path:
    """The minimum that makes a directory a peft-why checkout."""
    (where / "kb").mkdir(parents=True)
    (where / "matcher").mkdir()
    (where / "pyproject.toml").write_text("[project]\nname = 'peft-why'\n")
    (where / "kb" / "schema.py").write_text("")
    return where


def test_checkout_root_is_the_nearest_checkout_above_a_path(tmp_path: Path) -> None:
    assert checkout_root(ROOT / "kb" / "entries") == ROOT
    assert checkout_root(tmp_path) is None


def test_packages_from_another_checkout_are_foreign_and_an_installed_wheel_is_not(tmp_path: Path) -> None:
    here, other = _fake_checkout(tmp_path / "here"), _fake_checkout(tmp_path / "other")
    wheel = tmp_path / "site-packages" / "peft_why" / "kb"
    wheel.mkdir(parents=True)
    imported = {"peft_why": here / "peft_why", "peft_why.kb": other / "kb", "peft_why.matcher": wheel}
    assert foreign_packages(here, imported) == {"peft_why.kb": other / "kb"}


def test_this_checkout_runs_its_own_code() -> None:
    assert package_dirs()["peft_why.kb"] == (ROOT / "kb").resolve()
    assert mixed_checkout_warning(ROOT) is None
    assert mixed_checkout_warning(ROOT / "tests") is None


def test_a_second_checkout_is_told_whose_code_runs(tmp_path: Path) -> None:
    second = _fake_checkout(tmp_path / "second")
    warning = mixed_checkout_warning(second)
    assert warning is not None and warning.startswith("peft-why: warning: peft_why")
    assert str(ROOT.resolve()) in warning and f"not from this checkout ({second.resolve()})" in warning


def test_outside_any_checkout_nothing_is_said(tmp_path: Path) -> None:
    assert mixed_checkout_warning(tmp_path) is None


@pytest.mark.parametrize("args", [["--version"], ["kb", "lint", "--no-js"]])
def test_cli_warns_in_one_line_from_a_second_checkout(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(_fake_checkout(tmp_path / "second"))
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0
    assert sum("is imported from" in line for line in result.output.splitlines()) == 1


def test_cli_says_nothing_in_its_own_checkout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert "is imported from" not in CliRunner().invoke(cli, ["--version"]).output


def test_pytest_stops_when_the_rootdir_is_another_checkout(tmp_path: Path) -> None:
    second = _fake_checkout(tmp_path / "second")
    with pytest.raises(pytest.UsageError, match="not from this checkout"):
        conftest.pytest_configure(SimpleNamespace(rootpath=second))  # type: ignore[arg-type]
    conftest.pytest_configure(SimpleNamespace(rootpath=ROOT))  # type: ignore[arg-type]
