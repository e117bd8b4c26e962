"""What a paste is understood to contain: the exception chain, frames, warnings and versions.

Every element keeps the 1-based line number where it sits in the original paste,
so a diagnosis can point at the user's own line.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Frame:
    """One stack frame: ``File "path", line N, in function`` and the code shown under it."""

    path: str
    lineno: int | None
    function: str
    package: str
    code: str = ""
    line: int = 0


@dataclass(frozen=True)
class ExceptionBlock:
    """One exception of the chain: its type as printed, its message, and the frames above it.

    ``link`` says how it relates to the next exception printed after it:
    ``cause`` ("The above exception was the direct cause"), ``context``
    ("During handling of the above exception") or None.
    """

    type: str
    message: str
    frames: tuple[Frame, ...] = ()
    line: int = 0
    link: str | None = None
    depth: int = 0  # nesting inside an ExceptionGroup rendering: 0 = top level

    @property
    def short_type(self) -> str:
        """``peft.utils.error.NoMatchingPeftModuleError`` → ``NoMatchingPeftModuleError``."""
        return self.type.rsplit(".", 1)[-1]

    @property
    def headline(self) -> str:
        """The exception line as Python prints it."""
        return f"{self.type}: {self.message}" if self.message else self.type


@dataclass(frozen=True)
class WarningLine:
    """A ``warnings``-style line (``path:line: UserWarning: message``) or a logged warning."""

    category: str
    message: str
    line: int = 0


@dataclass(frozen=True)
class Trace:
    """A parsed paste. ``text`` is the decoded paste (ANSI, HTML entities, prefixes removed);
    regexes run on it. ``normalised`` masks the noise for similarity stages.
    ``line_map[i]`` is the original line number of ``text``'s line i+1.
    """

    raw: str
    text: str
    normalised: str
    exceptions: tuple[ExceptionBlock, ...] = ()
    warnings: tuple[WarningLine, ...] = ()
    versions: dict[str, str] = field(default_factory=dict)
    line_map: tuple[int, ...] = ()
    truncated: bool = False
    formats: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    unfinished_frames: tuple[Frame, ...] = ()  # frames of a traceback cut off before its exception line

    @property
    def final(self) -> ExceptionBlock | None:
        """The exception that actually escaped: the last one printed at the top level.

        In an ``ExceptionGroup`` rendering the group is printed before its members,
        so the last top-level block, not the last block, is the one that escaped.
        """
        for block in reversed(self.exceptions):
            if block.depth == 0:
                return block
        return self.exceptions[-1] if self.exceptions else None

    @property
    def text_lines(self) -> list[str]:
        """``text`` split into lines (index i is paste line ``line_map[i]``)."""
        return self.text.split("\n")

    def original_line(self, index: int) -> int:
        """Original 1-based line number of the 0-based ``text`` line ``index``."""
        if 0 <= index < len(self.line_map):
            return self.line_map[index]
        return index + 1

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view (``--debug-trace``); the raw text is left out."""
        data = asdict(self)
        data.pop("raw")
        data.pop("line_map")
        return data
