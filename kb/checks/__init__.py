"""Verification checks, one module per check: ``kb/checks/<name>.py`` defines ``check(ctx) -> Finding``.

An entry names its check in ``verify``. Checks import only the standard library,
torch, transformers and peft (lazily), so they can run inside the user's own
interpreter and on a bare GPU machine.
"""

from __future__ import annotations

import importlib.util
import os
import pkgutil

# Modules in this folder that are not checks: private ones (``_core``, ``_runner``...) start with
# an underscore; ``api`` is the public import surface for check authors.
NOT_CHECKS = frozenset({"api"})


def is_check_name(name: str) -> bool:
    """Whether a module name in this folder can be a check (not private, not ``api``)."""
    return name.isidentifier() and not name.startswith("_") and name not in NOT_CHECKS


def discovered_checks() -> tuple[str, ...]:
    """Every check in this folder, sorted, found without importing any (checks import torch)."""
    folder = os.path.dirname(os.path.abspath(__file__))
    return tuple(sorted(info.name for info in pkgutil.iter_modules([folder]) if is_check_name(info.name)))


def has_check(name: str) -> bool:
    """Whether ``kb/checks/<name>.py`` exists, without importing it (checks import torch)."""
    if not is_check_name(name):
        return False
    return importlib.util.find_spec(f"{__name__}.{name}") is not None
