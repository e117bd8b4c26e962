"""Undo the container a paste came in, line by line, keeping each line's original number.

Containers peel off in a fixed order: ``\\r`` redraws (tqdm), ANSI codes, HTML
(entities and a few tags), Markdown fences, then line prefixes (multi-rank
launchers, logging timestamps and levels, pytest's ``E``), then the multi-rank
de-duplication, then the two renderings that wrap a traceback in a frame of
their own: ``ExceptionGroup``'s ``|`` gutters and rich's ``╭ │ ╰`` panel.

Every pattern here is anchored at the start of a line and has no nested
unbounded repetition, so decoding is linear in the size of the paste.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any, Union

from .normalise import HTML_ENTITY, strip_ansi

RankKey = Union[int, str]

_HTML_TAG = re.compile(r"</?(?:pre|code|br|p|div|span|a|b|i|em|strong|kbd|samp|blockquote)\b[^<>\n]{0,200}>", re.I)
_FENCE = re.compile(r"^\s{0,3}(?:`{3,}[^`\n]*|~{3,}.*)$")

_RANK = re.compile(
    r"^(?:\[(?:rank|default)(?P<rank>\d+)\]:"
    r"|\[\d+,(?P<mpi>\d+)\]<std(?:out|err)>:"
    r"|(?P<host>worker-\d+|localhost):(?= ))\s?"
)
_LEVEL = r"(?:DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL|FATAL|TRACE)"
_STAMP = (
    r"(?:\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?"
    r"|\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}(?:[.,]\d+)?"
    r"|\d{2}:\d{2}:\d{2}(?:[.,]\d+)?)"
)
# Timestamp, then any of: [bracketed field], LEVEL, a lowercase logger name followed by a separator.
_STAMPED = re.compile(
    rf"^\[?{_STAMP}\]?"
    rf"(?:[ \t]*(?:[-|][ \t]*)?(?:\[[^\]\n]{{0,120}}\]|{_LEVEL}\b|[a-z_][\w.]{{0,80}}(?=[ \t]*[-|:][ \t])))*"
    r"[ \t]*(?:[-|:][ \t]?)?"
)
_LEVELLED = re.compile(rf"^(?:\[{_LEVEL}\][ \t]*|{_LEVEL}:[a-z_][\w.]{{0,80}}:|{_LEVEL}[ \t]*[-|:][ \t]?)")
_GLOG = re.compile(r"^\[?(?P<sev>[WEIF])\d{4} \d{2}:\d{2}:\d{2}[.\d]* [^\]\n]{0,300}\][ \t]?")
_LEVEL_WORD = re.compile(_LEVEL)
_QUOTE = re.compile(r"^(?:> ?)+")
_QUOTED_ERROR = re.compile(r"Traceback \(most recent call last\)|[A-Z]\w*(?:Error|Exception)(?::|$)")
# An error line set in Markdown bold (``**ValueError: ...**``), as issue posts often show the message.
# ``__`` only before a capital: ``__main__.MyError: boom`` is an exception line, not bold text.
_BOLD_ERROR = re.compile(r"^(?P<ind>\s*)(?P<mark>\*\*|__(?=[A-Z]))(?=[A-Za-z_][\w.]*(?:Error|Exception|Warning)\b)")
_BOLD_LINES = 20  # the closing marker is looked for this many lines on, within the paragraph
_PREFIX_START = frozenset("[0123456789EWIFDCTlw")  # first characters any prefix below can start with
_PYTEST_E = re.compile(r"^E(?: {2,7}|$)")

_GROUP_HEAD = re.compile(r"^(?P<ind>\s*)\+ (?P<rest>Exception Group Traceback \(most recent call last\):.*)$")
_GROUP_GUTTER = re.compile(r"^(?P<ind>\s*)\| ?(?P<rest>.*)$")
_GROUP_SEPARATOR = re.compile(r"^\s*\+[-+]")
_RICH_TOP = re.compile(r"^\s*╭─.*Traceback.*╮\s*$")
_RICH_ROW = re.compile(r"^\s*│(?P<inner>.*)│\s*$")
_RICH_BOTTOM = re.compile(r"^\s*╰─*╯\s*$")
# The first row of a panel pasted without its top border: a frame header (``/path/file.py:285 in f``).
_RICH_HEADER = re.compile(r"^\s*\S[^│]*\.py:\d+ in\b")
_ROOT_CAUSE = re.compile(r"^\s*Root Cause \(first observed failure\):")
_ROOT_RANK = re.compile(r"^\s*rank\s*:\s*(\d+)")
_ROOT_EXIT = re.compile(r"^\s*exitcode\s*:\s*(-?\d+)")


@dataclass
class Decoded:
    """Decoded lines with what was learnt about each one, all lists of the same length."""

    lines: list[str] = field(default_factory=list)
    line_map: list[int] = field(default_factory=list)
    levels: list[str] = field(default_factory=list)  # log level of a stripped prefix, or ""
    stamped: list[bool] = field(default_factory=list)  # a log record starts on this line
    pytest_e: list[bool] = field(default_factory=list)  # the line was an ``E   `` line
    breaks: list[bool] = field(default_factory=list)  # a dropped fence or panel edge precedes it
    depths: list[int] = field(default_factory=list)  # ExceptionGroup nesting
    rich: list[bool] = field(default_factory=list)  # inside a rich traceback panel
    formats: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add_format(self, name: str) -> None:
        """Record a recognised format once, in the order first seen."""
        if name not in self.formats:
            self.formats.append(name)


@dataclass
class _Line:
    text: str
    number: int
    rank: RankKey | None = None
    level: str = ""
    stamped: bool = False
    pytest_e: bool = False
    after_break: bool = False


def decode(raw: str) -> Decoded:
    """Peel every container off ``raw``; see the module docstring for the order."""
    out = Decoded()
    is_html = bool(HTML_ENTITY.search(raw))
    text = raw.replace("\r\n", "\n")
    if "\n" not in text:
        text = text.replace("\r", "\n")  # old Mac line ends, not progress redraws
    if "\x1b" in text or "\x9b" in text:
        out.add_format("ansi")
    text = strip_ansi(text)  # whole text at once: one C-level pass instead of one per line
    lines: list[_Line] = []
    pending_break = False
    for number, line in enumerate(text.split("\n"), start=1):
        if "\r" in line:
            line = _last_redraw(line)
            out.add_format("progress-redraw")
        pieces = [line]
        if is_html and ("&" in line or "<" in line):
            unescaped = html.unescape(_HTML_TAG.sub("", line))
            if unescaped != line:
                out.add_format("html")
            pieces = unescaped.split("\n")
        for piece in pieces:
            decoded = (
                _strip_prefixes(_Line(piece, number), out)
                if piece[:1] in _PREFIX_START
                else _Line(piece.rstrip(), number)
            )
            if ("```" in decoded.text or "~~~" in decoded.text) and _FENCE.match(decoded.text):
                out.add_format("markdown")
                pending_break = True
                continue
            decoded.after_break, pending_break = pending_break, False
            lines.append(decoded)
    lines = _unbold(_unquote(lines, out), out)
    lines = _one_rank(lines, out)
    _unwrap_frames(lines, out)
    return out


def _last_redraw(line: str) -> str:
    """A ``\\r``-redrawn line (a progress bar) shows its last non-empty state."""
    for segment in reversed(line.split("\r")):
        if segment.strip():
            return segment
    return ""


def _strip_prefixes(line: _Line, out: Decoded) -> _Line:
    """Remove launcher, logging and pytest prefixes; they may nest (``[rank0]: 2024-… INFO …``)."""
    for _ in range(4):
        text = line.text
        if (found := _RANK.match(text)) is not None:
            key: RankKey = found.group("host") or int(found.group("rank") or found.group("mpi"))
            line.rank = key if line.rank is None else line.rank
            line.text = text[found.end() :]
            out.add_format("multi-rank")
        elif (found := _GLOG.match(text)) is not None:
            line.level = {"W": "WARNING", "E": "ERROR", "F": "FATAL"}.get(found.group("sev"), "INFO")
            line.stamped, line.text = True, text[found.end() :]
            out.add_format("log")
        elif (found := _STAMPED.match(text)) is not None or (found := _LEVELLED.match(text)) is not None:
            level = _LEVEL_WORD.search(found.group(0))
            line.level = level.group(0) if level else line.level
            line.stamped, line.text = True, text[found.end() :]
            out.add_format("log")
        elif (found := _PYTEST_E.match(text)) is not None:
            line.pytest_e, line.text = True, text[found.end() :]
            out.add_format("pytest")
        else:
            break
    line.text = line.text.rstrip()
    return line


def _unquote(lines: list[_Line], out: Decoded) -> list[_Line]:
    """Strip Markdown ``> `` quoting from runs of quoted lines that hold a traceback or an error line.

    Only such runs: pytest marks the failing source line with ``>`` too.
    """
    result: list[_Line] = []
    index = 0
    while index < len(lines):
        end = index
        while end < len(lines) and lines[end].text.startswith(">"):
            end += 1
        if end == index:
            result.append(lines[index])
            index += 1
            continue
        run = lines[index:end]
        if not any(_QUOTED_ERROR.search(line.text) for line in run):
            result.extend(run)
        else:
            out.add_format("quote")
            pending_break = False
            for line in run:
                line.text = _QUOTE.sub("", line.text, count=1)
                line = _strip_prefixes(line, out) if line.text[:1] in _PREFIX_START else line
                if _FENCE.match(line.text):
                    pending_break = True
                    continue
                line.after_break, pending_break = line.after_break or pending_break, False
                result.append(line)
            if pending_break and end < len(lines):
                lines[end].after_break = True
        index = end
    return result


def _unbold(lines: list[_Line], out: Decoded) -> list[_Line]:
    """Drop the Markdown bold markers around an error line: ``**ValueError: msg ... more**``.

    The message may wrap over lines before the closing marker, which then sits at its end; it is
    looked for until the paragraph ends (a blank line) and removed where first found.
    """
    for index, line in enumerate(lines):
        if "**" not in line.text and "__" not in line.text:
            continue
        opened = _BOLD_ERROR.match(line.text)
        if opened is None:
            continue
        out.add_format("markdown")
        mark = opened.group("mark")
        line.text = opened.group("ind") + line.text[opened.end() :]
        for follow in lines[index : index + _BOLD_LINES]:
            if follow is not line and not follow.text.strip():
                break
            at = follow.text.find(mark)
            if at >= 0:
                follow.text = (follow.text[:at] + follow.text[at + len(mark) :]).rstrip()
                break
    return lines


def _one_rank(lines: list[_Line], out: Decoded) -> list[_Line]:
    """Keep one copy of multi-rank output: the root-cause rank, else the first rank to fail."""
    ranks = list(dict.fromkeys(line.rank for line in lines if line.rank is not None))
    if len(ranks) < 2:
        return lines
    chosen = _root_cause_rank(lines, ranks)
    if chosen is None:
        failing = (line.rank for line in lines if line.rank is not None and "Traceback (most recent" in line.text)
        chosen = next(failing, ranks[0])
    kept = [line for line in lines if line.rank is None or line.rank == chosen]
    out.notes.append(
        f"output from {len(ranks)} ranks: kept rank {chosen}, dropped {len(lines) - len(kept)} lines of the others"
    )
    return kept


def _root_cause_rank(lines: list[_Line], ranks: list[RankKey]) -> RankKey | None:
    """The rank torchrun's ChildFailedError names under "Root Cause (first observed failure)"."""
    found = root_cause([line.text for line in lines])
    return found[0] if found is not None and found[0] in ranks else None


def root_cause(lines: list[str]) -> tuple[int, str] | None:
    """(rank, exitcode) from torchrun's "Root Cause (first observed failure)" block, if there is one."""
    rank: int | None = None
    in_root = False
    for line in lines:
        if _ROOT_CAUSE.match(line):
            in_root = True
        elif in_root and (found := _ROOT_RANK.match(line)) is not None:
            rank = int(found.group(1))
        elif in_root and rank is not None and (code := _ROOT_EXIT.match(line)) is not None:
            return rank, code.group(1)
    return (rank, "?") if rank is not None else None


def _unwrap_frames(lines: list[_Line], out: Decoded) -> None:
    """Strip ExceptionGroup gutters and rich panel borders, then fill ``out``'s parallel lists."""
    group_base: int | None = None
    in_rich = False
    pending_break = False
    for line in lines:
        text, depth, rich = line.text, 0, False
        if "+ Exception Group" in text and (head := _GROUP_HEAD.match(text)) is not None:
            group_base = len(head.group("ind"))
            text = head.group("ind") + head.group("rest")
            out.add_format("exception-group")
        elif group_base is not None:
            if _GROUP_SEPARATOR.match(text):
                pending_break = True
                continue
            gutter = _GROUP_GUTTER.match(text)
            if gutter is None:
                group_base = None
            else:
                depth = max(0, (len(gutter.group("ind")) - group_base) // 2)
                text = gutter.group("rest")
        if "╭" in text and _RICH_TOP.match(text):
            in_rich = True
            out.add_format("rich")
            text = "Traceback (most recent call last):"
        elif in_rich or _opens_headless_panel(text):
            if not in_rich:
                in_rich = True
                out.add_format("rich")
            if _RICH_BOTTOM.match(text):
                in_rich, pending_break = False, True
                continue
            row = _RICH_ROW.match(text)
            if row is None:
                in_rich = False
            else:
                text, rich = row.group("inner").rstrip(), True
                text = text[1:] if text.startswith(" ") else text
        out.lines.append(text)
        out.line_map.append(line.number)
        out.levels.append(line.level)
        out.stamped.append(line.stamped)
        out.pytest_e.append(line.pytest_e)
        out.breaks.append(line.after_break or pending_break)
        pending_break = False
        out.depths.append(depth)
        out.rich.append(rich)


def _opens_headless_panel(text: str) -> bool:
    """A rich panel row holding a frame header: the panel was pasted from below its top border.

    Users often copy a rich traceback from the middle; its rows still are frames.
    """
    if "│" not in text or (row := _RICH_ROW.match(text)) is None:
        return False
    return _RICH_HEADER.match(row.group("inner")) is not None


def browser_rules() -> dict[str, Any]:
    """This module's tables as data for the paste page's worker (see ``normalise.browser_rules``)."""
    return {
        "HTML_TAG": _HTML_TAG,
        "FENCE": _FENCE,
        "RANK": _RANK,
        "STAMPED": _STAMPED,
        "LEVELLED": _LEVELLED,
        "GLOG": _GLOG,
        "LEVEL_WORD": _LEVEL_WORD,
        "QUOTE": _QUOTE,
        "QUOTED_ERROR": _QUOTED_ERROR,
        "BOLD_ERROR": _BOLD_ERROR,
        "BOLD_LINES": _BOLD_LINES,
        "PREFIX_START": "".join(sorted(_PREFIX_START)),
        "PYTEST_E": _PYTEST_E,
        "GROUP_HEAD": _GROUP_HEAD,
        "GROUP_GUTTER": _GROUP_GUTTER,
        "GROUP_SEPARATOR": _GROUP_SEPARATOR,
        "RICH_TOP": _RICH_TOP,
        "RICH_ROW": _RICH_ROW,
        "RICH_BOTTOM": _RICH_BOTTOM,
        "RICH_HEADER": _RICH_HEADER,
        "ROOT_CAUSE": _ROOT_CAUSE,
        "ROOT_RANK": _ROOT_RANK,
        "ROOT_EXIT": _ROOT_EXIT,
    }
