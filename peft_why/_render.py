"""The text block the hook prints under a traceback, and the one way the hook writes (stderr).

Kept in one function (``format_diagnosis``) so the CLI's text renderer can later share it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from peft_why.matcher.types import Diagnosis

# A runner-up within this distance of the best score is worth a line.
CLOSE_RUNNER_UP = 0.1


def format_diagnosis(diagnoses: Sequence[Diagnosis], *, color: bool = False, about: str = "this error") -> str:
    """The block printed under a traceback: best entry, its fix, where to read more, a close runner-up."""
    best = diagnoses[0]
    fix = best.fix or _fix_from_kb(best.id)  # fuse fills ``fix``; a hand-made diagnosis may lack it
    bold, dim, green, yellow, reset = ("\x1b[1m", "\x1b[2m", "\x1b[32m", "\x1b[33m", "\x1b[0m") if color else ("",) * 5
    lines = [
        "",
        f"{bold}peft-why{reset} — {about} looks like: {bold}{best.title}{reset}",
        f"  {dim}id{reset} {best.id}  ·  {best.confidence} confidence ({best.score:.2f})",
    ]
    if fix:
        lines.append(f"  {green}Fix:{reset} {fix}")
    more = f"peft-why explain {best.id}"
    link = docs_url(best.id)
    lines.append(f"  {dim}More:{reset} {more}" + (f"  ·  {link}" if link else ""))
    for other in diagnoses[1:2]:
        if best.score - other.score <= CLOSE_RUNNER_UP:
            lines.append(f"  {yellow}Runner-up:{reset} {other.title} ({other.id}, {other.score:.2f})")
    return "\n".join(lines) + "\n"


def _fix_from_kb(entry_id: str) -> str:
    """The entry's fix summary from the KB in effect ("" for an unknown id)."""
    from peft_why.matcher.diagnose import get_kb

    kb, _ = get_kb()
    entry = kb.get(entry_id)
    return entry.fix.summary if entry is not None else ""


def docs_base() -> str | None:
    """The docs site from ``PEFT_WHY_DOCS_URL`` without a trailing slash, or None when unset (no links)."""
    base = os.environ.get("PEFT_WHY_DOCS_URL", "").strip()
    return base.rstrip("/") if base else None


def docs_url(entry_id: str) -> str | None:
    """The entry's page on the docs site, when ``PEFT_WHY_DOCS_URL`` names one."""
    base = docs_base()
    return f"{base}/entries/{entry_id}/" if base else None


def use_color(stream: Any) -> bool:
    """ANSI colour on a terminal unless ``NO_COLOR`` is set; ``FORCE_COLOR`` forces it."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    try:
        return bool(stream.isatty())
    except Exception:
        return False


def write(text: str) -> None:
    """Everything the hook says goes to stderr (a host's piped stdout stays clean); never raises."""
    try:
        stream = sys.stderr if sys.stderr is not None else sys.__stderr__
        if stream is not None:
            stream.write(text)
            stream.flush()
    except Exception:
        pass
