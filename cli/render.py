"""Renderers: the same MatchResult as text (rich), JSON Lines, or Markdown.

rich is imported only by the text renderer, so ``--json`` stays fast.
"""

from __future__ import annotations

import json
import re
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import quote

from peft_why._render import docs_base
from peft_why._render import docs_url as docs_link
from peft_why.answer import CLOSE_RUNNER_UP as CLOSE_RUNNER_UP  # re-exported: one margin for hook and CLI
from peft_why.answer import Part, answer_parts
from peft_why.matcher.types import Diagnosis
from peft_why.redact import MAX_PASTE_CHARS as MAX_PASTE_CHARS  # re-exported: the cap the links keep to
from peft_why.redact import redact_paste as redact_paste

from .result import MatchResult

if TYPE_CHECKING:  # pydantic stays out of the --json path (the compiled KB cache needs no schema)
    from rich.console import Console

    from peft_why.kb.model import Entry


def paste_link(text: str | None) -> str | None:
    """The docs paste page with this (redacted) paste in its fragment, when ``PEFT_WHY_DOCS_URL`` is set.

    A fragment is never sent to the server, so the paste stays on the user's machine.
    """
    base = docs_base()
    if not base or not text or not text.strip():
        return None
    return f"{base}/paste/#q={quote(redact_paste(text), safe='')}"


def render_json(result: MatchResult, out: IO[str]) -> None:
    """One JSON object per input, one per line."""
    out.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")


def render_markdown(result: MatchResult, entries: dict[str, Entry], out: IO[str], *, paste: str | None = None) -> None:
    """A Markdown block, e.g. for an issue or a chat message."""
    out.write(f"### peft-why: `{result.source}`\n\n")
    if result.status == "error":
        out.write(f"Error: {result.error}\n\n")
        return
    if result.source_answers:
        body = "\n".join(source_block(result.source_answers))
        out.write(f"**{SOURCE_LABEL}:**\n\n```text\n{body}\n```\n\n")
    if not result.diagnoses:
        if result.source_answers:
            return
        out.write("No known PEFT failure matches this paste.\n\n")
        link = paste_link(paste)
        if link:
            out.write(f"Try the paste page: {link}\n\n")
        return
    for rank, diagnosis in enumerate(result.diagnoses, start=1):
        entry = entries[diagnosis.id]
        out.write(f"{rank}. **{diagnosis.title}** (`{diagnosis.id}`, {diagnosis.confidence}, {diagnosis.score:.2f})\n")
        finding = finding_line(diagnosis)  # the finding slot, right under the title
        if finding:
            out.write(f"   **Finding:** {finding}\n")
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


SOURCE_SHOWN = 2  # source answers printed in text and markdown (JSON carries them all)
SOURCE_LABEL = "From the source, not a curated diagnosis"


def source_block(answers: tuple[dict[str, Any], ...]) -> list[str]:
    """Plain lines for the answers from the source: the message, where it is raised, when, the version note.

    Short on purpose: ``peft-why explain <id>`` has the rest (every site, the releases read).
    """
    lines: list[str] = []
    for answer in answers[:SOURCE_SHOWN]:
        verb = {"raise": "raised", "warn": "warned", "log": "logged"}.get(str(answer.get("kind")), "emitted")
        lines.append(f"{answer['exception']}: {answer['message']}" if answer.get("exception") else answer["message"])
        lines.append(
            f"  {verb} in {answer['package']} {answer['file']}, {answer['function']}"
            f" ({answer['first']} … {answer['last']})"
        )
        if answer.get("condition"):
            lines.append(f"  when: {answer['condition']}")
        if answer.get("version_note"):
            lines.append(f"  your version: {answer['version_note']}")
        lines.append(f"  more: peft-why explain {answer['id']}")
    return lines


def finding_line(diagnosis: Diagnosis) -> str | None:
    """The one-line finding shown right under the entry title: what this paste shows.

    The matcher computes it (``Diagnosis.finding``: the entry's template filled from the
    paste, else the version evidence); renderers only place it.
    """
    return diagnosis.finding


def render_text(
    result: MatchResult,
    entries: dict[str, Entry],
    out: IO[str],
    *,
    show_source: bool,
    paste: str | None = None,
) -> None:
    """The human view: best entry in full, the runner-up when it is close.

    Prose wraps at the terminal width; code (the fix snippet) is printed unboxed and
    never wrapped or cropped, so it can be copied whole at any width.
    """
    from rich.text import Text

    console = make_console(out)
    if show_source:
        console.print(Text(f"== {result.source}", style="bold"))
    if result.status == "error":
        console.print(Text(f"error: {result.error}", style="red"))
        return
    if result.source_answers:
        console.print(Text(f"{SOURCE_LABEL}:", style="bold"))
        for line in source_block(result.source_answers):
            console.print(Text(line), soft_wrap=True)
        console.print()
    if not result.diagnoses:
        if result.source_answers:
            console.print("No curated KB entry matches this paste.")
            return
        console.print("No known PEFT failure matches this paste.")
        link = paste_link(paste)
        if link:
            console.print(Text.assemble(("Try the paste page: ", "dim"), link), soft_wrap=True)
        return
    print_parts(console, answer_parts(result.diagnoses, entries, docs_link=docs_link(result.diagnoses[0].id)))


# How each kind of answer part looks in the terminal: (indent, label style, text style).
_STYLES: dict[str, tuple[int, str, str]] = {
    "title": (0, "bold", "bold"),
    "meta": (0, "bold", "cyan"),
    "finding": (0, "bold magenta", ""),
    "why": (0, "bold", ""),
    "fix": (0, "bold green", ""),
    "differential": (0, "bold yellow", ""),
    "member": (2, "bold", ""),
    "tell": (4, "dim", ""),
    "matched": (0, "dim", ""),
    "more": (0, "dim", ""),
    "runner-up": (0, "yellow", "yellow"),
    "runner-up-finding": (2, "magenta", ""),
    "also": (0, "dim", "dim"),
}


def print_parts(console: Console, parts: list[Part]) -> None:
    """The shared answer block (``peft_why.answer``) through rich: prose wraps, code is printed whole.

    Consecutive code parts are one block for :func:`print_code` (highlighted together, never
    wrapped); commands (``more``) are soft-wrapped so a narrow terminal cannot cut them.
    """
    from rich.text import Text

    index = 0
    while index < len(parts):
        part = parts[index]
        if part.kind == "code":
            block = [part.text]
            while (
                index + 1 < len(parts)
                and parts[index + 1].kind == "code"
                and parts[index + 1].language == part.language
            ):
                index += 1
                block.append(parts[index].text)
            print_code(console, "\n".join(block), part.language or "text")
        elif part.kind == "blank":
            console.print()
        else:
            indent, label_style, text_style = _STYLES.get(part.kind, (0, "", ""))
            line = Text.assemble(" " * indent, (part.label, label_style), (part.text, text_style))
            console.print(line, soft_wrap=part.kind == "more")
        index += 1


def make_console(out: IO[str]) -> Console:
    """A rich console on ``out``: colour on a terminal (or when forced), plain text when piped."""
    from rich.console import Console

    return Console(file=out, highlight=False, soft_wrap=False)


def print_code(console: Console, code: str, language: str, *, indent: int = 4) -> None:
    """Code as-is: highlighted on a terminal, indented, no box, never wrapped or cropped.

    A panel or ``Syntax`` block fits code to the width (a piped answer is 80 columns), which
    cut commands and snippets mid-token; ``soft_wrap=True`` leaves long lines to the terminal.
    """
    from rich.syntax import Syntax
    from rich.text import Text

    lexer = language if language in {"python", "bash", "text"} else "text"
    code = code.rstrip()
    highlighted = Syntax(code, lexer, theme="ansi_dark", background_color="default").highlight(code)
    lines = highlighted.split("\n", allow_blank=True)[: code.count("\n") + 1]  # highlight() adds a final newline
    for line in lines:
        line.rstrip()
        console.print(Text(" " * indent) + line if line.plain else "", soft_wrap=True)


_FENCE = re.compile(r"^(?P<fence>`{3,})(?P<lang>[\w-]*)\n(?P<code>.*?)^(?P=fence)[ \t]*$\n?", re.MULTILINE | re.DOTALL)


def print_markdown(console: Console, markdown: str) -> None:
    """Markdown in the terminal: prose through rich (wrapped), fenced code through :func:`print_code`."""
    from rich.markdown import Markdown

    position = 0
    for block in _FENCE.finditer(markdown):
        prose = markdown[position : block.start()]
        if prose.strip():
            console.print(Markdown(prose))
        console.print()
        print_code(console, block["code"], block["lang"] or "text")
        console.print()
        position = block.end()
    if markdown[position:].strip():
        console.print(Markdown(markdown[position:]))
