"""Parse a paste into a ``Trace``: the exception chain, frames, warnings and versions.

A paste may be a CPython traceback (3.8–3.13, chained, ``ExceptionGroup``), an
IPython/Jupyter, rich or pytest rendering, a log (timestamps, tqdm, torchrun
ranks), a forum post with code fences, or a sentence. ``formats.decode`` peels
the container off; this module walks the decoded lines once and collects frames
until an exception line closes them. ``parse`` never raises: whatever it does not
understand stays in ``text`` for the similarity stages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from .formats import Decoded, decode, root_cause
from .frames import KNOWN_PACKAGES, package_of
from .normalise import mask
from .trace import ExceptionBlock, Frame, Trace, WarningLine

__all__ = ["package_of", "parse"]

_HEAD = re.compile(r"^(?P<ind>\s*)(?:Exception Group )?Traceback \(most recent call last\):?\s*$")
_IPY_HEAD = re.compile(r"^(?P<type>[A-Za-z_][\w.]*)\s{2,}Traceback \(most recent call last\)\s*$")
_ROOT_TB_HEAD = re.compile(r"^(?P<ind>\s*)traceback\s*:\s*Traceback \(most recent call last\):?\s*$")
_CAUSE = re.compile(r"^\s*The above exception was the direct cause of the following exception:?\s*$")
_CONTEXT = re.compile(r"^\s*During handling of the above exception, another exception occurred:?\s*$")

_FRAME = re.compile(r'^(?P<ind>\s*)File "(?P<path>[^"\n]+)", line (?P<lineno>\d+)(?:, in (?P<func>.+?))?\s*$')
_IPY_FRAME = re.compile(
    r"^(?:File (?P<path>\S.*?):(?P<lineno>\d+)(?:, in (?P<func>[^\s(]+)(?:\(.*)?)?"
    r"|Cell In\s?\[(?P<cell>[^\]\n]{0,20})\], line (?P<cell_line>\d+)"
    r"(?:, in (?P<cell_func>[^\s(]+)(?:\(.*)?)?)\s*$"
)
_IPY_OLD_FRAME = re.compile(r"^(?P<path><ipython-input-[^>\n]{0,80}>|\S+?\.pyx?) in (?P<func>[\w<>.]+)(?:\(.*)?\s*$")
_IPY_ARROW = re.compile(r"^\s*-+> ?(?P<lineno>\d+)\s?(?P<code>.*)$")
_RICH_FRAME = re.compile(r"^\s*(?P<path>\S.*?):(?P<lineno>\d+) in(?: (?P<func>\S+))?\s*$")
_RICH_WORD = re.compile(r"^\s*(?P<word>\S+)\s*$")
_RICH_CODE = re.compile(r"^\s*❱\s*(?P<lineno>\d+)\s*│?(?P<code>.*)$")
_PYTEST_FRAME = re.compile(
    r"^(?P<path>(?:[A-Za-z]:)?[^\s:][^:\n]*?\.py):(?P<lineno>\d+)"
    r":(?: in (?P<func>\S+)| (?P<exc>[A-Za-z_][\w.]*))?\s*$"
)
_PYTEST_MARK = re.compile(r"^>\s+(?P<code>\S.*)$")
_SEPARATOR = re.compile(r"^\s*(?:-{10,}|={5,}.*|_{3,}.*|(?:_ ){5,}.*)$")
_DEF = re.compile(r"^\s+(?:async\s+)?def (?P<name>\w+)\(")
_CARET = re.compile(r"^\s*[\^~]+\s*$")

_EXC_NAME = r"(?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*"
_EXC_STRICT = re.compile(
    r"^(?P<type>(?:[A-Za-z_]\w*\.)*(?:[A-Z]\w*(?:Error|Exception|Interrupt|Exit|Failure|Fault|Warning|ExceptionGroup)"
    r"|Exception|BaseException|ExceptionGroup|BaseExceptionGroup|StopIteration|StopAsyncIteration|GeneratorExit))"
    r"(?::[ \t]?(?P<msg>.*))?$"
)
_EXC_LOOSE = re.compile(rf"^(?P<type>{_EXC_NAME})(?::[ \t]?(?P<msg>.*))?$")
_EXC_INLINE = re.compile(
    r"(?<![\w.])(?P<type>(?:[A-Za-z_]\w*\.){0,8}[A-Z]\w*(?:Error|Exception))\s*[:：]\s*(?P<msg>\S.*)$"
)
_WARNING = re.compile(r"^(?P<path>\S.*?):(?P<lineno>\d+): (?P<cat>(?:\w+\.)*[A-Z]\w*Warning): (?P<msg>.+)$")
_BARE_WARNING = re.compile(r"^(?P<cat>(?:\w+\.)*[A-Z]\w*Warning): (?P<msg>.+)$")

_PACKAGE_NAMES = "|".join(
    [
        *KNOWN_PACKAGES,
        *("auto-gptq", "auto_gptq", "flash-attn", "flash_attn", "PEFT", "Peft", "Transformers", "Accelerate"),
        *("PyTorch", "Pytorch", "Torch", "TRL", "DeepSpeed", "Deepspeed", "Bitsandbytes", "BitsAndBytes"),
        *("Python", "python"),
    ]
)
_ENV_VERSION = re.compile(
    r"^\s*[-*]?\s*`?(?P<name>[A-Za-z][\w .-]{0,40}?)`?\s+version(?:\s*\([^)\n]{0,40}\))?\s*:\s*"
    r"v?(?P<ver>\d+(?:\.\w+)+(?:\+\w+)?)"
)
_FREEZE = re.compile(r"^\s*(?P<name>[A-Za-z][\w.-]{0,60})\s*==\s*(?P<ver>\d[\w.+!-]{0,40})\s*$")
_PIP_LIST = re.compile(r"^(?P<name>[A-Za-z][\w.-]{0,60})\s{2,}(?P<ver>\d[\w.+!-]{0,40})(?:\s+\S.*)?$")
_INLINE_VERSION = re.compile(
    rf"(?<![\w/.-])(?P<name>{_PACKAGE_NAMES})(?:\s*==\s*|\s+(?:version\s+|v)?|\s*[:=]\s*v?)"
    r"(?P<ver>\d+\.\d+(?:\.\d+)?(?:\.?(?:dev|rc|a|b|post)\d*)?(?:\+\w+)?)(?!\w|\.\w)"
)  # case-sensitive on purpose: IGNORECASE makes this scan several times slower on a long log
# A line about moving between releases: a version named on it is the one left behind, unless "to"
# comes right before it ("upgraded to peft 0.14", "升级到 peft 0.14").
_MOVED = re.compile(r"(?i:upgrad|updat|downgrad)|升级|更新|降级")
_MOVED_TO = re.compile(r"(?:\bto|到|至|->|→)\s*$")
_PY_IN_PATH = re.compile(r"[Pp]ython(?P<ver>3\.\d{1,2})[/\\]|[Pp]ython3(?P<win>\d{1,2})[/\\]")
_ENV_NAMES = {"pytorch": "torch", "python": "python", "huggingface_hub": "huggingface_hub"}
_VERSION_KEYS = frozenset([*KNOWN_PACKAGES, "python", "auto-gptq", "flash-attn"])

MAX_MESSAGE_LINES = 200
TRUNCATED_NOTE = "the traceback has no final exception line (truncated paste); using what is there"


def parse(raw: str) -> Trace:
    """Understand a paste. Never raises; unknown text stays available to the similarity stages."""
    try:
        return _parse(raw)
    except Exception as exc:  # a parser bug must not hide the paste from the other stages
        return Trace(raw=raw, text=raw, normalised=mask(raw), notes=(f"parser error: {type(exc).__name__}: {exc}",))


def _parse(raw: str) -> Trace:
    decoded = decode(raw)
    walk = _Walk(decoded)
    walk.run()
    notes = list(decoded.notes)
    if "ChildFailedError" in raw and (cause := root_cause(decoded.lines)) is not None:
        notes.append(f"torchrun root cause (first observed failure): rank {cause[0]}, exitcode {cause[1]}")
    exceptions = _set_aside_launcher(walk.blocks, notes)
    formats = list(decoded.formats)
    formats.extend(f for f in walk.formats if f not in formats)
    if not exceptions:
        inline = _inline_exception(decoded)
        if inline is not None:
            exceptions = [inline]
            formats.append("inline")
    truncated = bool(walk.frames) and walk.in_traceback
    if truncated:
        notes.append(TRUNCATED_NOTE)
    text = "\n".join(decoded.lines)
    return Trace(
        raw=raw,
        text=text,
        normalised=mask(text),
        exceptions=tuple(exceptions),
        warnings=tuple(_warnings(decoded, walk.exception_lines)),
        versions=_versions(decoded.lines),
        line_map=tuple(decoded.line_map),
        truncated=truncated,
        formats=tuple(formats or ["text"]),
        notes=tuple(notes),
        unfinished_frames=tuple(walk.frames) if truncated else (),
    )


@dataclass
class _Walk:
    """One pass over the decoded lines; frames accumulate until an exception line closes them."""

    d: Decoded
    blocks: list[ExceptionBlock] = field(default_factory=list)
    frames: list[Frame] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)
    exception_lines: set[int] = field(default_factory=set)
    in_traceback: bool = False
    base_indent: int = 0
    after_rich: bool = False
    marked_code: str = ""  # pytest's last ``>`` line: the code of the frame whose location follows
    closed_by_e: bool = False  # the last exception came from pytest ``E`` lines
    last_def: str = ""  # pytest's long format names a frame's function only in the source it shows

    def run(self) -> None:
        index = 0
        lines = self.d.lines
        while index < len(lines):
            index += self.step(index, lines[index])

    def step(self, index: int, line: str) -> int:
        """Handle line ``index``; returns how many lines it consumed."""
        if self.d.rich[index]:
            self.after_rich = True
            return self._rich_line(index, line)
        # Cheap substring tests first: most lines of a long log match none of these patterns.
        has_traceback = "Traceback" in line
        if has_traceback and (head := _HEAD.match(line) or _ROOT_TB_HEAD.match(line)) is not None:
            self._start(len(head.group("ind")))
        elif has_traceback and _IPY_HEAD.match(line):
            self._start(0)
            self._format("ipython")
        elif "above exception" in line and (_CAUSE.match(line) or _CONTEXT.match(line)):
            self._link("cause" if _CAUSE.match(line) else "context")
        elif 'File "' in line and (found := _FRAME.match(line)) is not None:
            if not self.in_traceback:
                self._start(max(0, len(found.group("ind")) - 2))
            self._format("cpython")
            self._frame(
                found.group("path"),
                found.group("lineno"),
                found.group("func"),
                index,
                _code_below(self.d, index),
            )
        elif self.in_traceback and line.startswith(("File ", "Cell In")) and (found := _IPY_FRAME.match(line)):
            self._format("ipython")
            if found.group("cell") is not None:
                path = f"Cell In[{found.group('cell')}]"
                self._frame(path, found.group("cell_line"), found.group("cell_func") or "<cell>", index, "")
            else:
                self._frame(found.group("path"), found.group("lineno"), found.group("func"), index, "")
        elif self.in_traceback and " in " in line and (found := _IPY_OLD_FRAME.match(line)) is not None:
            self._format("ipython")
            self._frame(found.group("path"), None, found.group("func"), index, "")
        elif self.in_traceback and self.frames and "->" in line and (arrow := _IPY_ARROW.match(line)) is not None:
            last = self.frames[-1]
            self.frames[-1] = replace(
                last, lineno=last.lineno or int(arrow.group("lineno")), code=arrow.group("code").strip()
            )
        elif line.startswith(">") and (mark := _PYTEST_MARK.match(line)) is not None:
            self.marked_code = mark.group("code").strip()
        elif ".py:" in line and (found := _PYTEST_FRAME.match(line)) is not None:
            self._pytest_frame(found, index)
        elif line.lstrip().startswith(("---", "===", "___", "_ _")) and _SEPARATOR.match(line):
            self.marked_code = self.last_def = ""
        elif "def " in line and (found := _DEF.match(line)) is not None:
            self.last_def = found.group("name")
        else:
            return self._maybe_exception(index, line)
        return 1

    def _start(self, indent: int) -> None:
        self.in_traceback, self.frames, self.base_indent, self.marked_code = True, [], indent, ""

    def _format(self, name: str) -> None:
        if name not in self.formats:
            self.formats.append(name)

    def _link(self, link: str) -> None:
        if self.blocks and self.blocks[-1].link is None:
            self.blocks[-1] = replace(self.blocks[-1], link=link)
        self.in_traceback, self.frames = False, []

    def _frame(self, path: str, lineno: str | None, func: str | None, index: int, code: str) -> None:
        self.in_traceback = True
        number = int(lineno) if lineno else None
        frame = Frame(path, number, (func or "").strip(), package_of(path), code, self.d.line_map[index])
        self.frames.append(frame)

    def _pytest_frame(self, found: re.Match[str], index: int) -> None:
        self._format("pytest")
        code, self.marked_code = self.marked_code, ""
        func, self.last_def = found.group("func") or self.last_def, ""
        if not self.in_traceback:
            self._start(0)
        if not code and found.group("func"):
            code = _code_below(self.d, index)
        self._frame(found.group("path"), found.group("lineno"), func, index, code)
        exc = found.group("exc")
        if exc and self.closed_by_e and self.blocks and self.blocks[-1].short_type == exc.rsplit(".", 1)[-1]:
            # pytest prints the raising frame's location after the E lines: it belongs to that block.
            last = self.blocks[-1]
            self.blocks[-1] = replace(last, frames=last.frames + tuple(self.frames))
            self.frames, self.in_traceback, self.closed_by_e = [], False, False

    def _rich_line(self, index: int, line: str) -> int:
        """A row of a rich panel; rich wraps a long ``path:line in function`` header over rows."""
        consumed = 1
        found = _RICH_FRAME.match(line)
        if found is None and ("/" in line or "\\" in line) and _RICH_WORD.match(line):
            # a path too long for the panel: rich folds it, and the rest of the header is the next row
            found = _RICH_FRAME.match(line.strip() + self._rich_text(index + 1))
            consumed = 2
        if found is not None:
            func = found.group("func")
            following = self._rich_word(index + consumed)
            if func is None and following:
                func, consumed = following, consumed + 1
            self.in_traceback = True
            self._frame(found.group("path"), found.group("lineno"), func, index, "")
            return consumed
        elif self.frames and (code := _RICH_CODE.match(line)) is not None:
            self.frames[-1] = replace(self.frames[-1], code=code.group("code").strip(" │"))
        elif _HEAD.match(line):
            self._start(0)
        return 1

    def _rich_text(self, index: int) -> str:
        """Row ``index`` of a rich panel, stripped ("" past the panel)."""
        return self.d.lines[index].strip() if index < len(self.d.lines) and self.d.rich[index] else ""

    def _rich_word(self, index: int) -> str:
        if index < len(self.d.lines) and self.d.rich[index]:
            word = _RICH_WORD.match(self.d.lines[index])
            return word.group("word") if word else ""
        return ""

    def _maybe_exception(self, index: int, line: str) -> int:
        found = self._exception_match(line)
        if found is None:
            return 1
        exc_type = found.group("type")
        if exc_type.endswith("Warning") and not self.in_traceback:
            return 1  # a warning printed on its own, not raised
        message, consumed = self._message(index, found.group("msg") or "")
        self.blocks.append(
            ExceptionBlock(exc_type, message, tuple(self.frames), self.d.line_map[index], depth=self.d.depths[index])
        )
        self.exception_lines.update(range(index, index + consumed))
        self.in_traceback, self.frames, self.after_rich = False, [], False
        self.closed_by_e = self.d.pytest_e[index]
        if not self.closed_by_e:
            self.marked_code = ""
        return consumed

    def _exception_match(self, line: str) -> re.Match[str] | None:
        stripped = line.strip()
        if not stripped or len(stripped) > 20000 or not (stripped[0].isalpha() or stripped[0] == "_"):
            return None
        indent = len(line) - len(line.lstrip())
        if self.in_traceback and self.frames and indent <= self.base_indent:
            found = _EXC_LOOSE.match(stripped)
            if found is not None and _looks_like_class(found.group("type")):
                return found
        strict = _EXC_STRICT.match(stripped)
        if strict is not None and (strict.group("msg") is not None or self.in_traceback or self.after_rich):
            return strict
        if strict is not None and stripped.endswith(("Error", "Exception", "ExceptionGroup")):
            return strict
        return None

    def _message(self, index: int, first: str) -> tuple[str, int]:
        """An exception message may go on over the following lines; say how many it took."""
        d = self.d
        parts = [first.strip()]
        joiner = " " if self.after_rich else "\n"
        end = min(len(d.lines), index + 1 + MAX_MESSAGE_LINES)
        consumed = 1
        for follow_index in range(index + 1, end):
            follow = d.lines[follow_index]
            if not _continues_message(d, index, follow_index, parts[-1], self.after_rich, bool(self.frames)):
                break
            parts.append(follow.strip())
            consumed += 1
        return joiner.join(parts).strip(), consumed


def _continues_message(d: Decoded, start: int, index: int, previous: str, rich: bool, traced: bool) -> bool:
    """Does line ``index`` continue the message of the exception on line ``start``?

    CPython prints a multi-line message as is, so after a real traceback (``traced``)
    any following line belongs to it until a blank line, a new log record, a
    container edge (a closing fence) or a recognised structure.
    """
    follow = d.lines[index]
    if not follow.strip() or d.stamped[index] or d.breaks[index] or d.depths[index] != d.depths[start]:
        return False
    if d.pytest_e[start]:
        return d.pytest_e[index]
    if _HEAD.match(follow) or _CAUSE.match(follow) or _CONTEXT.match(follow) or _SEPARATOR.match(follow):
        return False
    if _FRAME.match(follow) or _PYTEST_FRAME.match(follow) or _WARNING.match(follow) or _IPY_HEAD.match(follow):
        return False
    if rich or (traced and not _EXC_STRICT.match(follow.strip())):
        return True
    if follow.startswith((" ", "\t")):
        return not _EXC_STRICT.match(follow.strip()) or previous.rstrip().endswith(":")
    if _EXC_STRICT.match(follow.strip()):
        return False
    return previous.rstrip().endswith((":", ",", "(", "[", "{"))


def _looks_like_class(name: str) -> bool:
    last = name.rsplit(".", 1)[-1]
    return last[:1].isupper() or last.lower().endswith(("error", "exception"))


def _code_below(d: Decoded, index: int) -> str:
    """The source line CPython prints under ``File …``, if the next line is one."""
    if index + 1 < len(d.lines):
        follow = d.lines[index + 1]
        if follow.startswith(("  ", "\t")) and not _FRAME.match(follow) and not _CARET.match(follow):
            return follow.strip()
    return ""


_LAUNCHER_PATHS = ("accelerate/commands/", "deepspeed/launcher/", "torch/distributed/run.py")


def _is_launcher(block: ExceptionBlock) -> bool:
    """torchrun's ChildFailedError, or the CalledProcessError of ``accelerate launch`` / ``deepspeed``."""
    if block.short_type == "ChildFailedError":
        return True
    paths = (frame.path.replace("\\", "/") for frame in block.frames)
    return block.short_type == "CalledProcessError" and any(part in path for path in paths for part in _LAUNCHER_PATHS)


def _set_aside_launcher(blocks: list[ExceptionBlock], notes: list[str]) -> list[ExceptionBlock]:
    """A launcher's own exception only says a worker failed; the worker's exception is the real one."""
    launcher = [b for b in blocks if _is_launcher(b)]
    others = [b for b in blocks if not _is_launcher(b)]
    if launcher and others:
        notes.append(
            f"the launcher's {launcher[-1].short_type} (line {launcher[-1].line}) set aside: "
            "the worker's own exception is final"
        )
        return others
    return blocks


def _inline_exception(d: Decoded) -> ExceptionBlock | None:
    """No traceback at all: take the last ``SomeError: message`` inside a line of prose."""
    for index in range(len(d.lines) - 1, -1, -1):
        line = d.lines[index]
        if len(line) > 20000 or ("Error" not in line and "Exception" not in line):
            continue
        found = _EXC_INLINE.search(line)
        if found is not None:
            return ExceptionBlock(found.group("type"), found.group("msg").strip(), (), d.line_map[index])
    return None


def _warnings(d: Decoded, exception_lines: set[int]) -> list[WarningLine]:
    found: list[WarningLine] = []
    for index, line in enumerate(d.lines):
        if index in exception_lines:
            continue
        match = _WARNING.match(line.strip()) or _BARE_WARNING.match(line)
        if match is not None:
            found.append(WarningLine(match.group("cat"), match.group("msg").strip(), d.line_map[index]))
        elif d.levels[index] in ("WARNING", "WARN") and line.strip():
            found.append(WarningLine("warning", line.strip(), d.line_map[index]))
    return found


def _versions(lines: list[str]) -> dict[str, str]:
    """Versions the paste reveals: env reports and pip output first, then prose, then paths."""
    structured: dict[str, str] = {}
    for line in lines:
        if len(line) > 2000 or (not line[:1].isalpha() and line.lstrip()[:1] not in ("-", "*")):
            continue
        found = _ENV_VERSION.match(line) or _FREEZE.match(line) or _PIP_LIST.match(line)
        if found is not None and (name := _version_key(found.group("name"))) in _VERSION_KEYS:
            structured.setdefault(name, found.group("ver").rstrip("."))
    text = "\n".join(lines)
    versions: dict[str, str] = {}
    for match in _INLINE_VERSION.finditer(text):
        if not _left_behind(text, match.start()):
            versions.setdefault(_version_key(match.group("name")), match.group("ver"))
    versions.update(structured)
    if "python" not in versions and (path := _PY_IN_PATH.search(text)) is not None:
        versions["python"] = path.group("ver") or f"3.{path.group('win')}"
    return dict(sorted(versions.items()))


def _left_behind(text: str, start: int) -> bool:
    """A prose version on a line about upgrading, not introduced by "to": the release the user moved from.

    "trained with peft 0.12, and after upgrading peft it fails" names the old release; reading it as the
    running one would clear every entry that only newer releases have.
    """
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    line = text[line_start : line_end if line_end >= 0 else len(text)]
    return _MOVED.search(line) is not None and _MOVED_TO.search(text[line_start:start]) is None


def _version_key(name: str) -> str:
    key = name.strip().strip("`").lower().replace("_", "-")
    key = {"huggingface-hub": "huggingface_hub", "auto-gptq": "auto-gptq", "flash-attn": "flash-attn"}.get(key, key)
    return _ENV_NAMES.get(key, key)


def browser_rules() -> dict[str, Any]:
    """The walk's tables as data for the paste page's worker (see ``normalise.browser_rules``).

    The version, ``def`` and caret patterns stay Python-only: the page ranks with regex and
    lexical evidence, which read neither versions nor source lines.
    """
    return {
        "HEAD": _HEAD,
        "IPY_HEAD": _IPY_HEAD,
        "ROOT_TB_HEAD": _ROOT_TB_HEAD,
        "CAUSE": _CAUSE,
        "CONTEXT": _CONTEXT,
        "FRAME": _FRAME,
        "IPY_FRAME": _IPY_FRAME,
        "IPY_OLD_FRAME": _IPY_OLD_FRAME,
        "IPY_ARROW": _IPY_ARROW,
        "RICH_FRAME": _RICH_FRAME,
        "RICH_WORD": _RICH_WORD,
        "RICH_CODE": _RICH_CODE,
        "PYTEST_FRAME": _PYTEST_FRAME,
        "PYTEST_MARK": _PYTEST_MARK,
        "SEPARATOR": _SEPARATOR,
        "EXC_STRICT": _EXC_STRICT,
        "EXC_LOOSE": _EXC_LOOSE,
        "EXC_INLINE": _EXC_INLINE,
        "WARNING": _WARNING,
        "BARE_WARNING": _BARE_WARNING,
        "MAX_MESSAGE_LINES": MAX_MESSAGE_LINES,
        "LAUNCHER_PATHS": list(_LAUNCHER_PATHS),
    }
