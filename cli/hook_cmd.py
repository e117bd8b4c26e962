"""``peft-why hook install|uninstall|status``: the hook in every Python process of this environment.

``install`` writes one guarded line into a ``.pth`` file in this environment's
site-packages; Python runs it at start-up. If peft-why is later removed or broken,
the line does nothing; ``PEFT_WHY=0`` skips it at run time.
"""

from __future__ import annotations

import sys
import sysconfig
from pathlib import Path

import click

from .errors import PeftWhyError

PTH_NAME = "peft_why_hook.pth"
# One line (a .pth runs lines that start with "import"); every failure is swallowed so that
# Python starts as before when peft-why is gone or broken. It tests PEFT_WHY itself (as
# peft_why._env.is_disabled does) because it runs before, and instead of, importing peft_why.
PTH_LINE = (
    "import os; exec('try:\\n import peft_why.hook as h\\n h.autoinstall()\\nexcept Exception:\\n pass') "
    "if os.environ.get('PEFT_WHY', '1').strip().lower() not in ('0', 'false', 'off', 'no') else None\n"
)
MARKER = "# written by `peft-why hook install`; remove with `peft-why hook uninstall`\n"


def pth_path() -> Path:
    """The ``.pth`` file in the site-packages of the environment running peft-why."""
    return Path(sysconfig.get_paths()["purelib"]) / PTH_NAME


@click.group("hook")
def hook_group() -> None:
    """Show a diagnosis under every uncaught exception in this Python environment."""


@hook_group.command("install")
def hook_install_command() -> None:
    """Write the start-up hook (a .pth file) into this environment's site-packages."""

    path = pth_path()
    try:
        path.write_text(MARKER + PTH_LINE, encoding="utf-8")
    except OSError as exc:
        raise PeftWhyError(f"cannot write {path}: {exc.strerror or exc}") from None
    click.echo(f"installed: {path}", err=True)
    click.echo(f"`{sys.executable}` now diagnoses uncaught exceptions (PEFT_WHY=0 skips it)", err=True)


@hook_group.command("uninstall")
def hook_uninstall_command() -> None:
    """Remove the start-up hook."""

    path = pth_path()
    if not path.exists():
        click.echo(f"not installed: {path} does not exist", err=True)
        return
    try:
        path.unlink()
    except OSError as exc:
        raise PeftWhyError(f"cannot remove {path}: {exc.strerror or exc}") from None
    click.echo(f"removed: {path}", err=True)


@hook_group.command("status")
def hook_status_command() -> None:
    """Say whether the start-up hook is installed (exit 0) or not (exit 1)."""
    path = pth_path()
    if not path.exists():
        click.echo(f"not installed (no {path})")
        sys.exit(1)
    current = path.read_text(encoding="utf-8", errors="replace") == MARKER + PTH_LINE
    state = "installed" if current else "installed (an older line; `peft-why hook install` rewrites it)"
    click.echo(f"{state}: {path}")
    from peft_why._env import is_disabled

    if is_disabled():
        click.echo("PEFT_WHY=0 is set here: the hook is off in this shell")
