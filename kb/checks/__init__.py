"""Verification checks, one module per check: ``kb/checks/<name>.py`` defines ``check(ctx) -> Finding``.

An entry names its check in ``verify``. Checks import only the standard library,
torch, transformers and peft (lazily), so they can run inside the user's own
interpreter and on a bare GPU machine.
"""

from __future__ import annotations

import importlib.util


def has_check(name: str) -> bool:
    """Whether ``kb/checks/<name>.py`` exists, without importing it (checks import torch)."""
    if not name.isidentifier() or name.startswith("_"):
        return False
    return importlib.util.find_spec(f"{__name__}.{name}") is not None
