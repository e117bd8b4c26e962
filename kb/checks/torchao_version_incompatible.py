"""torchao-version-incompatible: the installed torchao is older than the installed peft accepts.

peft's ``is_torchao_available`` (0.14 and later) raises ImportError when torchao is installed but older
than its ``TORCHAO_MINIMUM_VERSION``, and LoRA's dispatcher calls it for every target layer, so any
``get_peft_model`` fails. The minimum is read from the installed peft's own source, the version from
the environment's package metadata (``extra["site_packages"]``: folders to look in instead of this
interpreter's ``sys.path``, e.g. another environment's site-packages).
"""

from __future__ import annotations

import inspect
import re
from importlib import metadata
from typing import Any

from .api import CONFIRMED, NOT_APPLICABLE, NOT_CONFIRMED, CheckContext, Finding, finding

ENTRY = "torchao-version-incompatible"
MINIMUM = re.compile(r'TORCHAO_MINIMUM_VERSION\s*=\s*packaging\.version\.parse\(\s*"([^"]+)"\s*\)')


def check(ctx: CheckContext) -> Finding:
    installed = _torchao_version(ctx.extra.get("site_packages"))
    if installed is None:
        return finding(ENTRY, NOT_APPLICABLE, "torchao is not installed")
    import peft
    from peft import import_utils

    minimum = _peft_minimum(import_utils)
    peft_version = getattr(peft, "__version__", "unknown")
    if minimum is None:
        return finding(ENTRY, NOT_APPLICABLE, f"peft {peft_version} sets no minimum torchao version")
    evidence = [f"torchao {installed} installed", f"peft {peft_version} needs torchao >= {minimum}"]
    fix = f'Upgrade torchao to {minimum} or later (pip install -U "torchao>={minimum}"), or uninstall it if unused.'
    if _release(installed) < _release(minimum):
        return finding(
            ENTRY, CONFIRMED, f"torchao {installed} is older than {minimum}, the oldest peft accepts", evidence, fix
        )
    return finding(ENTRY, NOT_CONFIRMED, f"torchao {installed} is new enough for peft {peft_version}", evidence, fix)


def _torchao_version(paths: Any) -> str | None:
    """The version of the first torchao distribution found (on ``paths``, else on sys.path)."""
    search = {"name": "torchao"} if not paths else {"name": "torchao", "path": [str(path) for path in paths]}
    for distribution in metadata.distributions(**search):
        version = distribution.metadata["Version"]
        if version:
            return str(version)
    return None


def _peft_minimum(module: Any) -> str | None:
    """``TORCHAO_MINIMUM_VERSION`` as written in the installed peft (inside ``is_torchao_available``)."""
    try:
        source = inspect.getsource(module)
    except (OSError, TypeError):
        return None
    found = MINIMUM.search(source)
    return found.group(1) if found else None


def _release(version: str) -> tuple[int, ...]:
    """The leading numeric release of a version string: ``0.15.0+cu121`` → (0, 15, 0)."""
    parts = []
    for piece in re.split(r"[.+-]", version):
        digits = re.match(r"\d+", piece)
        if not digits:
            break
        parts.append(int(digits.group()))
        if digits.group() != piece:
            break
    return tuple(parts)
