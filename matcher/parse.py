"""Parse a paste into a ``Trace``: the exception chain, frames, warnings and versions.

A paste may be a CPython traceback, an IPython or pytest rendering, a log, a
forum post with code fences, or a sentence. ``parse`` never raises: whatever it
does not understand stays in ``text`` for the similarity stages.
"""

from __future__ import annotations

import re
from typing import Optional

from .normalise import mask, strip_ansi, unescape_html
from .trace import ExceptionBlock, Frame, Trace, WarningLine

_FRAME = re.compile(r'^\s*File "(?P<path>[^"]+)", line (?P<lineno>\d+)(?:, in (?P<func>.+?))?\s*$')
_IPY_FRAME = re.compile(r"^(?:Cell In\s*\[\d*\], line (?P<lineno>\d+)|(?P<path>\S+?\.py)(?::| in )(?P<func>\S+)?)")
_TRACEBACK_HEAD = re.compile(r"^\s*Traceback \(most recent call last\):\s*$")
_CAUSE = re.compile(r"^\s*The above exception was the direct cause of the following exception:")
_CONTEXT = re.compile(r"^\s*During handling of the above exception, another exception occurred:")
_EXC_LINE = re.compile(
    r"^(?P<type>(?:[A-Za-z_][\w]*\.)*(?:[A-Z][\w]*(?:Error|Exception|Warning|Interrupt|Exit|Failure|Fault)"
    r"|Exception|StopIteration|KeyError|OSError))(?::\s?(?P<msg>.*))?\s*$"
)
_WARNING_LINE = re.compile(
    r"(?:^|:\d+: |\bWARNING[:\]]?\s*(?:[\w.]+:)?\s*)(?P<cat>[A-Z]\w*Warning): (?P<msg>.+)$"
)
_LOG_WARNING = re.compile(r"^(?:\[?\d[\d\-: ,.T]*\]?\s*)?(?:WARNING|WARN)\b[^:]*:\s*(?P<msg>.+)$")
_PYTEST_E = re.compile(r"^E\s{1,3}")
_RANK_PREFIX = re.compile(r"^\s*(?:\[(?:rank|default)\d+\]:|\[\d+\]\s*<stderr>:|rank\d+:)\s?")
_FENCE = re.compile(r"^\s*(?:`{3,}|~{3,})\s*[\w+-]*\s*$")
_CARET_LINE = re.compile(r"^\s*[\^~]+\s*$")
_PIP_VERSION = re.compile(
    r"(?<![\w-])(?P<pkg>peft|transformers|accelerate|torch|trl|bitsandbytes|deepspeed|safetensors|optimum|auto-gptq)"
    r"\s*(?:==|:|\s)\s*(?:version\s*)?v?(?P<ver>\d+\.\d+(?:\.\d+)?(?:[.\w+]*)?)",
    re.IGNORECASE,
)
_PY_IN_PATH = re.compile(r"python(?P<ver>3\.\d+)/(?:site|dist)-packages")
_KNOWN_PACKAGES = (
    "peft",
    "transformers",
    "accelerate",
    "bitsandbytes",
    "trl",
    "deepspeed",
    "torch",
    "safetensors",
    "huggingface_hub",
    "datasets",
    "optimum",
)


def parse(raw: str) -> Trace:
    """Understand a paste. Never raises; unknown text stays available to the similarity stages."""
    lines, line_map, formats = decode_lines(raw)
    exceptions, truncated = _exception_chain(lines, line_map)
    warnings = tuple(_warnings(lines, line_map))
    text = "\n".join(lines)
    versions = _versions(text)
    notes: tuple[str, ...] = ()
    if truncated:
        notes = ("the traceback has no final exception line (truncated paste); using what is there",)
    return Trace(
        raw=raw,
        text=text,
        normalised=mask(text),
        exceptions=tuple(exceptions),
        warnings=warnings,
        versions=versions,
        line_map=tuple(line_map),
        truncated=truncated,
        formats=tuple(formats),
        notes=notes,
    )


def decode_lines(raw: str) -> tuple[list[str], list[int], list[str]]:
    """Undo the container: ANSI codes, HTML entities, ``\\r`` redraws, rank and pytest prefixes, fences.

    Returns the cleaned lines, each one's original line number, and the formats recognised.
    """
    formats: list[str] = []
    text = raw.replace("\r\n", "\n")
    if "\x1b" in text:
        formats.append("ansi")
    text = strip_ansi(text)
    unescaped = unescape_html(text)
    if unescaped != text:
        formats.append("html")
        text = unescaped
    out: list[str] = []
    line_map: list[int] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if "\r" in line:  # tqdm-style redraws: the last state is what the user saw
            line = line.rstrip("\r").rsplit("\r", 1)[-1]
        if _RANK_PREFIX.match(line):
            line = _RANK_PREFIX.sub("", line, count=1)
            _add_once(formats, "multi-rank")
        if _PYTEST_E.match(line):
            line = _PYTEST_E.sub("", line, count=1)
            _add_once(formats, "pytest")
        if _FENCE.match(line):
            _add_once(formats, "markdown")
            continue
        out.append(line.rstrip())
        line_map.append(number)
    return out, line_map, formats


def _add_once(items: list[str], item: str) -> None:
    if item not in items:
        items.append(item)


def _exception_chain(lines: list[str], line_map: list[int]) -> tuple[list[ExceptionBlock], bool]:
    """Walk the lines once, collecting frames until an exception line closes the block."""
    blocks: list[ExceptionBlock] = []
    frames: list[Frame] = []
    in_traceback = False
    pending_link: Optional[str] = None
    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        if _TRACEBACK_HEAD.match(line):
            in_traceback, frames = True, []
        elif _CAUSE.match(line) or _CONTEXT.match(line):
            pending_link = "cause" if _CAUSE.match(line) else "context"
            if blocks and blocks[-1].link is None:
                blocks[-1] = _with_link(blocks[-1], pending_link)
        elif (frame_match := _FRAME.match(line)) is not None:
            in_traceback = True
            code = _frame_code(lines, index)
            frames.append(_make_frame(frame_match, code, line_map[index]))
        elif (exc_match := _EXC_LINE.match(stripped)) is not None and _looks_like_exception(stripped, in_traceback):
            message, consumed = _message(lines, index, exc_match.group("msg") or "")
            blocks.append(
                ExceptionBlock(
                    type=exc_match.group("type"),
                    message=message,
                    frames=tuple(frames),
                    line=line_map[index],
                )
            )
            frames, in_traceback, pending_link = [], False, None
            index += consumed
            continue
        index += 1
    truncated = in_traceback and bool(frames)
    return blocks, truncated


def _with_link(block: ExceptionBlock, link: str) -> ExceptionBlock:
    return ExceptionBlock(block.type, block.message, block.frames, block.line, link)


def _looks_like_exception(stripped: str, in_traceback: bool) -> bool:
    """An exception line in prose ("I got ValueError: x") is rare; a bare ``Type: msg`` line counts."""
    return in_traceback or ":" in stripped or stripped.endswith(("Error", "Exception"))


def _message(lines: list[str], index: int, first: str) -> tuple[str, int]:
    """An exception message may continue on the following lines (e.g. ``size mismatch for ...``)."""
    parts = [first]
    consumed = 1
    for follow in lines[index + 1 :]:
        if not follow.strip() or _TRACEBACK_HEAD.match(follow) or _CAUSE.match(follow) or _CONTEXT.match(follow):
            break
        if _FRAME.match(follow) or (_EXC_LINE.match(follow.strip()) and not follow.startswith((" ", "\t"))):
            break
        if not follow.startswith((" ", "\t")) and not _continues(parts[-1]):
            break
        parts.append(follow.strip())
        consumed += 1
    return "\n".join(part for part in parts if part is not None).strip(), consumed


def _continues(previous: str) -> bool:
    return previous.rstrip().endswith((":", ",", "(", "[", "{"))


def _frame_code(lines: list[str], index: int) -> str:
    if index + 1 < len(lines):
        follow = lines[index + 1]
        if follow.startswith(("    ", "\t")) and not _FRAME.match(follow) and not _CARET_LINE.match(follow):
            return follow.strip()
    return ""


def _make_frame(found: re.Match[str], code: str, line: int) -> Frame:
    path = found.group("path")
    return Frame(
        path=path,
        lineno=int(found.group("lineno")),
        function=(found.group("func") or "").strip(),
        package=package_of(path),
        code=code,
        line=line,
    )


def package_of(path: str) -> str:
    """Which library a frame belongs to (``peft``, ``transformers``, ... or ``user``)."""
    normal = path.replace("\\", "/")
    marker = re.search(r"(?:site|dist)-packages/([^/]+)", normal)
    if marker:
        top = marker.group(1).split(".")[0]
        return top if top in _KNOWN_PACKAGES else "other"
    for package in _KNOWN_PACKAGES:
        if f"/{package}/" in normal:
            return package
    return "user"


def _warnings(lines: list[str], line_map: list[int]) -> list[WarningLine]:
    found: list[WarningLine] = []
    for index, line in enumerate(lines):
        match = _WARNING_LINE.search(line)
        if match:
            found.append(WarningLine(match.group("cat"), match.group("msg").strip(), line_map[index]))
            continue
        logged = _LOG_WARNING.match(line.strip())
        if logged:
            found.append(WarningLine("warning", logged.group("msg").strip(), line_map[index]))
    return found


def _versions(text: str) -> dict[str, str]:
    versions: dict[str, str] = {}
    for match in _PIP_VERSION.finditer(text):
        versions.setdefault(match.group("pkg").lower(), match.group("ver").rstrip("."))
    python = _PY_IN_PATH.search(text)
    if python:
        versions.setdefault("python", python.group("ver"))
    return versions
