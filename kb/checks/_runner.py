"""Run checks: ``diagnose`` (every applicable check on a live model) and ``verify`` (one check).

Dependency-free like the checks themselves: the CLI runs this module inside the user's own
interpreter, where peft-why's other dependencies may be missing.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Iterable
from types import ModuleType
from typing import Any

from . import discovered_checks
from ._core import ERROR, INFERENCE, NOT_APPLICABLE, PHASES, TRAINING, CheckContext, Finding, finding, unwrap

# The order diagnose() runs checks in (cheap file and flag checks first); other checks follow by name.
ORDER = (
    "outdated_package",
    "zero3_empty_adapter_save",
    "no_trainable_params",
    "fp16_unscale_amp",
    "eval_mode_dropout",
    "gradient_checkpointing_no_grad",
    "target_modules_not_found",
    "modules_to_save_missing_head",
    "extended_vocab_embeddings",
    "trained_adapter_loaded_with_get_peft_model",
    "dtype_mismatch",
    "device_mismatch",
)
_FOUND = set(discovered_checks())  # ORDER only orders: every check module in the folder runs
CHECKS = tuple(name for name in ORDER if name in _FOUND) + tuple(sorted(_FOUND - set(ORDER)))


def check_name(entry_id: str) -> str:
    """Check name for an entry id: dashes become underscores (``fp16-unscale-amp`` → ``fp16_unscale_amp``)."""
    return entry_id.strip().replace("-", "_")


def load_check(name: str) -> ModuleType | None:
    """The module of check ``name``, or None when there is no such check."""
    if name not in CHECKS:
        return None
    return importlib.import_module(f"{__package__}.{name}")


def check_phase(name: str) -> str | None:
    """The phase in which check ``name``'s fault matters (None: any phase)."""
    module = load_check(name)
    return getattr(module, "PHASE", None) if module is not None else None


def resolve_phase(model: Any, phase: str) -> str:
    """``auto`` → training if the model is in train mode, else inference."""
    if phase == "auto":
        target = unwrap(model) if model is not None else None
        return TRAINING if getattr(target, "training", False) else INFERENCE
    if phase not in PHASES:
        raise ValueError(f"phase must be 'auto', 'training' or 'inference', not {phase!r}")
    return phase


def run_check(name: str, ctx: CheckContext, *, entry_id: str | None = None) -> Finding:
    """Run one check; a check that raises gives an ``error`` finding, never an exception."""
    entry_id = entry_id or name.replace("_", "-")
    module = load_check(name)
    if module is None:
        return finding(entry_id, NOT_APPLICABLE, f"no check for {entry_id!r}")
    try:
        result = module.check(ctx)
    except Exception as exc:
        return finding(entry_id, ERROR, f"the check failed: {type(exc).__name__}: {exc}")
    if not isinstance(result, Finding):
        return finding(entry_id, ERROR, f"the check returned {type(result).__name__}, not a Finding")
    return result


def _context(model: Any, phase: str, requested: bool, context: dict[str, Any]) -> CheckContext:
    known = {"adapter_dir", "base_dir", "tokenizer", "peft_config", "trainer", "training_args", "origin"}
    fields = {key: context.pop(key) for key in list(context) if key in known}
    # an explicit ``extra=`` mapping (as CheckContext takes it) is merged, not nested under "extra"
    extra = {**(context.pop("extra", None) or {}), **context}
    return CheckContext(model=model, phase=phase, requested=requested, extra=extra, **fields)


def diagnose(
    model: Any,
    *,
    phase: str = "auto",
    entries: Iterable[str] | None = None,
    deadline: float | None = None,
    **context: Any,
) -> list[Finding]:
    """Run every applicable check on a live model (a linter for a PeftModel) and return all findings.

    Args:
        model: a PeftModel, a transformers model, or a wrapper (DDP, ``torch.compile``, a Trainer); may
            be None when only ``adapter_dir`` is given.
        phase: ``auto`` (training if ``model.training`` else inference), ``training`` or ``inference``.
            Checks whose fault belongs to the other phase answer not-applicable.
        entries: restrict to these entry ids (or check names); default all.
        deadline: a ``time.monotonic()`` value; checks not started by then answer not-applicable.
        **context: ``adapter_dir``, ``base_dir``, ``tokenizer``, ``peft_config``, ``trainer``,
            ``training_args`` when available (see ``CheckContext``).

    Returns:
        One Finding per check run, confirmed ones first.
    """
    resolved = resolve_phase(model, phase)
    wanted = None if entries is None else {check_name(entry) for entry in entries}
    findings = []
    for name in CHECKS:
        if wanted is not None and name not in wanted:
            continue
        if deadline is not None and time.monotonic() > deadline:
            findings.append(finding(name.replace("_", "-"), NOT_APPLICABLE, "skipped: out of time"))
            continue
        findings.append(run_check(name, _context(model, resolved, False, dict(context))))
    order = {"confirmed": 0, "error": 1, "not-confirmed": 2, "not-applicable": 3}
    return sorted(findings, key=lambda item: order.get(item.status, 4))


def verify(entry_id: str, model: Any = None, *, check: str | None = None, **context: Any) -> Finding:
    """Run the check of one KB entry, as if the model were in the phase where that fault matters.

    ``check`` is the check the entry names in ``verify:`` (callers that can read the KB pass it);
    without it the name is derived from the id, for this module runs where the KB may not load.
    ``phase=`` may still be given to override that. An entry without a check gives not-applicable.
    """
    name = check or check_name(entry_id)
    module = load_check(name)
    if module is None:
        return Finding(entry_id, NOT_APPLICABLE, f"no check for {entry_id!r}", check=name)
    phase = context.pop("phase", None) or getattr(module, "PHASE", None) or "auto"
    return run_check(name, _context(model, resolve_phase(model, phase), True, context), entry_id=entry_id)
