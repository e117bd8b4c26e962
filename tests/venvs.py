"""Throwaway virtual environments for tests that need a second interpreter.

Never a fresh resolve (that would pull a CUDA torch): the new venv has no pip and
sees the set-up's packages through one ``.pth`` line.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path


def throwaway_venv(root: Path, *, with_editable: bool) -> tuple[Path, Path]:
    """``(python, site-packages)`` of a pip-less venv under ``root`` that sees this venv's packages.

    ``with_editable``: add this venv's site-packages with ``site.addsitedir``, so its own
    ``.pth`` files run too (the editable peft_why install is one); else as a bare path,
    so peft_why must come from whatever the test installs into the new venv.
    """
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    ours = sysconfig.get_paths()["purelib"]
    line = f"import site; site.addsitedir({ours!r})\n" if with_editable else ours + "\n"
    Path(site, "a_setup_packages.pth").write_text(line)
    return python, Path(site)
