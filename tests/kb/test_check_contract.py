"""The contract every verification check keeps, run over the checks *discovered* in ``kb/checks/``.

For each check module there must be ``tests/kb/check_fixtures/<name>.py`` with ``fault(tmp_path)``
and ``clean(tmp_path)``: the check confirms the planted fault, does not confirm the clean state,
changes neither model, and ``diagnose()`` reports exactly the planted fault. ``ORDER`` in the
runner only sets the order checks run in; it does not decide which are tested.

Checks are discovered in the source tree next to these tests (not the installed package), so a
copy of the tree tests its own checks.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

pytestmark = pytest.mark.repro

ROOT = Path(__file__).resolve().parents[2]
CHECKS_DIR = ROOT / "kb" / "checks"
FIXTURES_DIR = Path(__file__).resolve().parent / "check_fixtures"
NOT_CHECKS = {"api"}  # as kb/checks/__init__.py says: the check authors' import surface


def discovered() -> list[str]:
    """Check modules in the source tree: not private, not ``api``."""
    return sorted(
        info.name
        for info in pkgutil.iter_modules([str(CHECKS_DIR)])
        if not info.name.startswith("_") and info.name not in NOT_CHECKS
    )


def fixtures_for(name: str) -> ModuleType:
    """The check's fixture module; fails naming the file to write when there is none."""
    path = FIXTURES_DIR / f"{name}.py"
    if not path.is_file():
        pytest.fail(
            f"check {name!r} has no fixtures: write {path.relative_to(ROOT)} defining "
            "fault(tmp_path) -> Scenario (its fault planted) and clean(tmp_path) -> Scenario (nearest clean state)",
            pytrace=False,
        )
    module = importlib.import_module(f"{__package__}.check_fixtures.{name}")
    for function in ("fault", "clean"):
        if not callable(getattr(module, function, None)):
            pytest.fail(f"{path.relative_to(ROOT)} must define {function}(tmp_path) -> Scenario", pytrace=False)
    return module


def test_every_check_imports_only_the_check_api() -> None:
    """Checks use ``.api`` (plus the standard library, torch, transformers, peft), never private modules."""
    for name in discovered():
        tree = ast.parse((CHECKS_DIR / f"{name}.py").read_text(encoding="utf-8"))
        relative = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level}
        assert relative <= {"api"}, f"kb/checks/{name}.py imports {sorted(relative - {'api'})}; use .api"


@pytest.mark.parametrize("name", discovered())
def test_check_confirms_planted_fault_without_changing_the_model(name: str, tmp_path: Path) -> None:
    scenario = fixtures_for(name).fault(tmp_path)
    before = snapshot(scenario.model)
    result = run(name, scenario)
    assert same(before, snapshot(scenario.model)), f"{name} changed the model"
    assert result.status == "confirmed", result
    assert result.entry_id == name.replace("_", "-")
    assert result.evidence and result.fix and "\n" not in result.message


@pytest.mark.parametrize("name", discovered())
def test_check_does_not_confirm_clean_state(name: str, tmp_path: Path) -> None:
    scenario = fixtures_for(name).clean(tmp_path)
    before = snapshot(scenario.model)
    result = run(name, scenario)
    assert same(before, snapshot(scenario.model)), f"{name} changed the model"
    assert result.status == "not-confirmed", result


@pytest.mark.parametrize("name", discovered())
def test_diagnose_reports_the_planted_fault_and_nothing_else(name: str, tmp_path: Path) -> None:
    from peft_why.kb.checks._runner import CHECKS, diagnose

    scenario = fixtures_for(name).fault(tmp_path)
    findings = diagnose(scenario.model, phase=scenario.phase, **scenario.context)
    assert [f.check for f in findings if f.status == "confirmed"] == [name], findings
    assert not [f for f in findings if f.status == "error"], findings
    assert len(findings) == len(CHECKS)


def run(name: str, scenario: Any) -> Any:
    from peft_why.kb.checks._runner import run_check
    from peft_why.kb.checks.api import CheckContext

    ctx = CheckContext(model=scenario.model, phase=scenario.phase, **scenario.context)
    return run_check(name, ctx)


def snapshot(model: Any) -> list[Any]:
    """Weights, dtypes, devices, grad flags and modes: what a read-only check must leave alone."""
    state = []
    for key, tensor in model.state_dict(keep_vars=True).items():
        data = None if tensor.device.type == "meta" else tensor.detach().clone()
        state.append((key, tensor.dtype, tensor.device, tuple(tensor.shape), tensor.requires_grad, data))
    modes = [(key, module.training) for key, module in model.named_modules()]
    return [state, modes]


def same(before: list[Any], after: list[Any]) -> bool:
    """Whether two snapshots agree (meta tensors compared by metadata only)."""
    if before[1] != after[1] or len(before[0]) != len(after[0]):
        return False
    for old, new in zip(before[0], after[0]):
        if old[:5] != new[:5]:
            return False
        if old[5] is not None and not bool((old[5] == new[5]).all()):
            return False
    return True
