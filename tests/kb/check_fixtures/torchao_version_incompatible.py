"""torchao-version-incompatible: a torchao distribution older than peft's minimum, in a folder of its own.

The folder is handed to the check as ``site_packages`` rather than put on ``sys.path``, so the rest of
the test session never sees the planted torchao.
"""

from __future__ import annotations

from pathlib import Path

from . import Scenario, clean_model


def installed_torchao(folder: Path, version: str) -> str:
    """A minimal installed torchao distribution (package and dist-info metadata) under ``folder``."""
    (folder / "torchao").mkdir(parents=True)
    (folder / "torchao" / "__init__.py").write_text("")
    info = folder / f"torchao-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: torchao\nVersion: {version}\n")
    return str(folder)


def fault(tmp_path: Path) -> Scenario:
    site = installed_torchao(tmp_path / "site-packages", "0.3.1")
    return Scenario(clean_model(), "inference", {"extra": {"site_packages": [site]}})


def clean(tmp_path: Path) -> Scenario:
    site = installed_torchao(tmp_path / "site-packages", "99.0.0")
    return Scenario(clean_model(), "inference", {"extra": {"site_packages": [site]}})
