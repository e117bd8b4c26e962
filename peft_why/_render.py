"""The text block the hook prints under a traceback, and the one way the hook writes (stderr).

The block's lines come from ``peft_why.answer.answer_parts``, the builder the CLI's text
answer uses too; this module only draws them as plain lines (ANSI colour on a terminal).
No rich here: the hook runs inside the user's failing process and must stay light.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from peft_why.answer import CLOSE_RUNNER_UP as CLOSE_RUNNER_UP  # re-exported (peft_why.hook.CLOSE_RUNNER_UP)
from peft_why.answer import Part, answer_parts

if TYPE_CHECKING:
    from peft_why.matcher.source import SourceFinding
    from peft_why.matcher.types import Diagnosis

BOLD, DIM, GREEN, YELLOW, MAGENTA, RESET = "\x1b[1m", "\x1b[2m", "\x1b[32m", "\x1b[33m", "\x1b[35m", "\x1b[0m"
# Label colour per part kind (colour only ever marks the label, so the text copies clean).
_LABEL_COLOUR = {"finding": MAGENTA, "runner-up-finding": MAGENTA, "fix": GREEN, "runner-up": YELLOW}


def format_diagnosis(diagnoses: Sequence[Diagnosis], *, color: bool = False, about: str = "this error") -> str:
    """The block printed under a traceback: best entry, its finding, its fix and code, a close runner-up.

    Code lines are printed as they are, indented, never wrapped: the user copies them whole.
    """
    from peft_why.matcher.diagnose import get_kb

    kb, _ = get_kb()
    entries = {d.id: entry for d in diagnoses if (entry := kb.get(d.id)) is not None}
    parts = answer_parts(diagnoses, entries, full=False, docs_link=docs_url(diagnoses[0].id))
    while parts and parts[-1].kind == "blank":
        parts.pop()
    lines = [""]
    for part in parts:
        lines.append(_line(part, about=about, color=color))
    return "\n".join(lines) + "\n"


def _line(part: Part, *, about: str, color: bool) -> str:
    bold, reset = (BOLD, RESET) if color else ("", "")
    if part.kind == "title":
        return f"{bold}peft-why{reset} — {about} looks like: {bold}{part.text}{reset}"
    if part.kind == "blank":
        return ""
    if part.kind == "code":
        return "    " + part.text if part.text.strip() else ""
    indent = "    " if part.kind in ("tell", "runner-up-finding") else "  "
    label = part.label
    if label and color:
        label = f"{_LABEL_COLOUR.get(part.kind, DIM)}{label}{reset}"
    return f"{indent}{label}{part.text}"


def format_source(finding: SourceFinding, *, color: bool = False) -> str:
    """The block printed when no curated entry matches but the library's own message is catalogued:
    where it is raised, under which condition, and whether this process's release has it. Four lines."""
    answer = finding.answer
    bold, dim, reset = (BOLD, DIM, RESET) if color else ("",) * 3
    lines = [
        "",
        f"{bold}peft-why{reset} — from the source, not a curated diagnosis:"
        f" {answer.package} {answer.file}, {answer.function}",
    ]
    if answer.condition:
        lines.append(f"  {dim}when{reset} {answer.condition}")
    if finding.version_note:
        lines.append(f"  {dim}your version{reset} {finding.version_note}")
    lines.append(f"  {dim}More:{reset} peft-why explain {answer.id}")
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
