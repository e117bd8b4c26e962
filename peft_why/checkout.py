"""Which checkout is this code from? Catches a second clone silently running the first one's code.

``pip install -e`` maps ``peft_why.kb``, ``peft_why.matcher`` and ``peft_why.cli`` to
``kb/``, ``matcher/`` and ``cli/`` through setuptools' editable finder, which answers
for those names whatever the current directory is. Run the tests or ``peft-why`` in a
second checkout with the first one's environment and ``peft_why`` itself may come from
the current directory (``python -m`` puts it on ``sys.path``) while ``peft_why.kb``
still comes from the first checkout: edits seem to do nothing, or tests pass on code
that is not the code under test. :func:`mixed_checkout_warning` says so in one line.

Standard library only, and nothing is imported but the packages' specs: ``--version``
stays fast.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

# The packages a checkout provides; the first is the root, the rest come through the editable finder.
PACKAGES = ("peft_why", "peft_why.kb", "peft_why.matcher", "peft_why.cli")


def checkout_root(path: Path) -> Path | None:
    """The peft-why checkout containing ``path`` (itself or an ancestor), or None outside any.

    A checkout is a directory with ``pyproject.toml``, ``kb/schema.py`` and ``matcher/``:
    enough to tell a clone from an installed wheel, which has no ``pyproject.toml``.
    """
    for candidate in (path, *path.parents):
        if (
            (candidate / "pyproject.toml").is_file()
            and (candidate / "kb" / "schema.py").is_file()
            and (candidate / "matcher").is_dir()
        ):
            return candidate
    return None


def package_dirs() -> dict[str, Path]:
    """Where each of :data:`PACKAGES` is imported from (resolved), without executing any of them."""
    found: dict[str, Path] = {}
    for name in PACKAGES:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is not None and spec.origin:
            found[name] = Path(spec.origin).resolve().parent
    return found


def foreign_packages(here: Path, imported: dict[str, Path]) -> dict[str, Path]:
    """The packages in ``imported`` that come from a checkout other than ``here`` (a checkout root).

    A package from an installed wheel (no checkout around it) is not foreign: that is a
    normal install, not a mix-up.
    """
    foreign: dict[str, Path] = {}
    for name, directory in imported.items():
        root = checkout_root(directory)
        if root is not None and root != here:
            foreign[name] = directory
    return foreign


def mixed_checkout_warning(cwd: Path | None = None) -> str | None:
    """One line when ``cwd`` lies in a peft-why checkout but its packages are imported from another.

    Args:
        cwd: where the user works (default: the current directory); pytest passes its rootdir.
    """
    here = checkout_root((cwd or Path.cwd()).resolve())
    if here is None:
        return None
    foreign = foreign_packages(here, package_dirs())
    if not foreign:
        return None
    name, directory = next(iter(sorted(foreign.items())))
    others = f" (and {len(foreign) - 1} more)" if len(foreign) > 1 else ""
    return (
        f"peft-why: warning: {name}{others} is imported from {directory}, not from this checkout ({here}): "
        f"this environment's editable install points elsewhere; use {here}/.venv (make setup there)"
    )
