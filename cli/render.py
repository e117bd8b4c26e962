"""Renderers: the same MatchResult as text (rich), JSON Lines, or Markdown.

rich is imported only by the text renderer, so ``--json`` stays fast.
"""

from __future__ import annotations

import json
import os
from typing import IO, TYPE_CHECKING
from urllib.parse import quote

from peft_why.matcher.types import Diagnosis
from peft_why.redact import MAX_PASTE_CHARS as MAX_PASTE_CHARS  # re-exported: the cap the links keep to
from peft_why.redact import redact_paste as redact_paste

from .report import MatchResult

if TYPE_CHECKING:  # pydantic stays out of the --json path (the compiled KB cache needs no schema)
    from rich.console import RenderableType

    from peft_why.kb.model import Entry

CLOSE_RUNNER_UP = 0.1


def docs_link(entry_id: str) -> str | None:
    """The entry's page on the docs site, when ``PEFT_WHY_DOCS_URL`` names one."""
    base = os.environ.get("PEFT_WHY_DOCS_URL", "").strip()
    return f"{base.rstrip('/')}/entries/{entry_id}/" if base else None


def paste_link(text: str | None) -> str | None:
    """The docs paste page with this (redacted) paste in its fragment, when ``PEFT_WHY_DOCS_URL`` is set.

    A fragment is never sent to the server, so the paste stays on the user's machine.
    """
    base = os.environ.get("PEFT_WHY_DOCS_URL", "").strip()
    if not base or not text or not text.strip():
        return None
    return f"{base.rstrip('/')}/paste/#q={quote(redact_paste(text), safe='')}"


def render_json(result: MatchResult, out: IO[str]) -> None:
    """One JSON object per input, one per line."""
    out.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")


def render_markdown(result: MatchResult, entries: dict[str, Entry], out: IO[str], *, paste: str | None = None) -> None:
    """A Markdown block, e.g. for an issue or a chat message."""
    out.write(f"### peft-why: `{result.source}`\n\n")
    if result.status == "error":
        out.write(f"Error: {result.error}\n\n")
        return
    if not result.diagnoses:
        out.write("No known PEFT failure matches this paste.\n\n")
        link = paste_link(paste)
        if link:
            out.write(f"Try the paste page: {link}\n\n")
        return
    for rank, diagnosis in enumerate(result.diagnoses, start=1):
        entry = entries[diagnosis.id]
        out.write(f"{rank}. **{diagnosis.title}** (`{diagnosis.id}`, {diagnosis.confidence}, {diagnosis.score:.2f})\n")
        for item in diagnosis.evidence[:3]:
            where = f" (line {item.line})" if item.line else ""
            out.write(f"   - {item.stage}: {item.detail}{where}\n")
        if rank == 1:
            out.write(f"\n   **Why:** {entry.root_cause}\n\n   **Fix:** {entry.fix.summary}\n")
            if entry.fix.snippet.strip():
                snippet = "\n".join("   " + line for line in entry.fix.snippet.rstrip().split("\n"))
                out.write(f"\n   ```python\n{snippet}\n   ```\n")
        link = docs_link(diagnosis.id)
        if link:
            out.write(f"   {link}\n")
    out.write("\n")


def render_text(
    result: MatchResult,
    entries: dict[str, Entry],
    out: IO[str],
    *,
    show_source: bool,
    paste: str | None = None,
) -> None:
    """The human view: best entry in full, the runner-up when it is close."""
    from rich.console import Console, Group
    from rich.panel import Panel
    from rich.syntax import Syntax
    from rich.text import Text

    console = Console(file=out, highlight=False, soft_wrap=False)
    if show_source:
        console.print(Text(f"== {result.source}", style="bold"))
    if result.status == "error":
        console.print(Text(f"error: {result.error}", style="red"))
        return
    if not result.diagnoses:
        console.print("No known PEFT failure matches this paste.")
        link = paste_link(paste)
        if link:
            console.print(Text.assemble(("Try the paste page: ", "dim"), link), soft_wrap=True)
        return
    best = result.diagnoses[0]
    entry = entries[best.id]
    # The title goes in the body: a panel border would cut a long title at the terminal width.
    heading = Text.assemble((best.title, "bold"), (f"  [{best.confidence} · {best.score:.2f}]", "cyan"))
    body: list[RenderableType] = [heading, Text(""), Text(entry.root_cause), Text("")]
    body.append(Text.assemble(("Fix: ", "bold green"), entry.fix.summary))
    if entry.fix.snippet.strip():
        body.append(Syntax(entry.fix.snippet.rstrip(), "python", theme="ansi_dark", background_color="default"))
    body.append(Text(""))
    body.extend(_evidence_lines(best))
    more = f"peft-why explain {best.id}"
    link = docs_link(best.id)
    body.append(Text.assemble(("More: ", "dim"), more, (f"  ·  {link}" if link else "", "dim")))
    console.print(Panel(Group(*body), title=Text(best.id, style="bold"), title_align="left"))
    for other in result.diagnoses[1:]:
        if best.score - other.score <= CLOSE_RUNNER_UP:
            console.print(Text(f"Runner-up: {other.title} ({other.id}, {other.score:.2f})", style="yellow"))
        else:
            console.print(Text(f"Also possible: {other.title} ({other.id}, {other.score:.2f})", style="dim"))


def _evidence_lines(diagnosis: Diagnosis) -> list[RenderableType]:
    from rich.text import Text

    lines: list[RenderableType] = []
    for item in diagnosis.evidence[:3]:
        where = f" (line {item.line})" if item.line else ""
        lines.append(Text.assemble(("Why matched: ", "dim"), f"{item.stage}: {item.detail}{where}"))
    return lines
