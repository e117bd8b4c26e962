"""``peft-why match``'s options as one value, built once from the command line and passed on.

Fourteen loose parameters travelled from the click command into its helpers; one frozen
object keeps their names in one place and lets a helper take what it needs from it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MatchOptions:
    """What ``peft-why match`` was asked to do (field names are click's parameter names)."""

    files: tuple[str, ...] = ()
    fmt: str = "text"  # text | json | markdown
    as_json: bool = False  # --json, the same as --format json
    top: int = 3
    stages: str | None = None  # comma-separated, as typed
    kb_dirs: tuple[str, ...] = ()
    debug_trace: bool = False
    debug: bool = False
    python: str | None = None
    installed: bool = False
    run_verify: bool = False
    model: str | None = None
    adapter: str | None = None
    device: str = "auto"

    @property
    def output_format(self) -> str:
        """The renderer to use: ``--json`` wins over ``--format``."""
        return "json" if self.as_json else self.fmt
