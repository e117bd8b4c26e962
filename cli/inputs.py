"""Reading what the user gave us: files, ``-`` or stdin, as text, whatever the bytes are.

A bad input is reported as that input's error; it never stops the other inputs.
"""

from __future__ import annotations

import codecs
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import AnyStr, BinaryIO

# Analyse at most this much of one paste (the end of a log is where the error is), plus up to
# MAX_EARLY_BLOCKS tracebacks of at most EARLY_BLOCK_CHARS each found before it.
WINDOW = 1_000_000
MAX_EARLY_BLOCKS = 3
EARLY_BLOCK = 32_000
_TRACEBACK_MARK = "Traceback (most recent call last)"
_BINARY_SAMPLE = 8192


@dataclass(frozen=True)
class Source:
    """One input: its name as the user gave it (``-`` for stdin), its text or why it has none."""

    name: str
    text: str | None
    error: str | None = None
    notice: str | None = None


def read_sources(names: tuple[str, ...], stdin: BinaryIO | None = None) -> list[Source]:
    """Read every named input (stdin when none), in order; unreadable ones carry an error."""
    return [read_source(name, stdin) for name in (names or ("-",))]


def read_source(name: str, stdin: BinaryIO | None = None) -> Source:
    """Read one input as bytes, then decode it leniently (see ``decode``)."""
    try:
        if name == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            data = stream.read()
        else:
            data = Path(name).read_bytes()
    except FileNotFoundError:
        return Source(name, None, f"{name}: no such file")
    except IsADirectoryError:
        return Source(name, None, f"{name}: is a directory")
    except PermissionError:
        return Source(name, None, f"{name}: permission denied")
    except OSError as exc:
        return Source(name, None, f"{name}: cannot read ({exc.strerror or exc})")
    return decode(name, data)


def decode(name: str, data: bytes) -> Source:
    """Bytes to text: UTF-16/UTF-8 BOMs honoured, invalid UTF-8 replaced, binary refused, long pastes windowed.

    UTF-8 pastes are windowed as bytes, before decoding, so a 50 MB log costs one scan, not one decode.
    """
    notice = None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors="replace")
        if len(text) > WINDOW:
            text, notice = window(name, text)
        return Source(name, text, notice=notice)
    if _looks_binary(data):
        return Source(name, None, f"{name}: looks like binary data, not text")
    if len(data) > WINDOW:
        data, notice = window(name, data)
    text = data.decode("utf-8-sig", errors="replace")
    if "\ufffd" in text and notice is None and b"\xef\xbf\xbd" not in data:
        notice = f"{name}: not valid UTF-8; undecodable bytes were replaced"
    return Source(name, text, notice=notice)


def window(name: str, text: AnyStr) -> tuple[AnyStr, str]:
    """The last ``WINDOW`` bytes (or characters) of a long paste, after the last few tracebacks found before it.

    The end of a log is where the error usually is, but a crash can be followed by megabytes of
    shutdown output; a cheap scan for ``Traceback (most recent call last)`` keeps those blocks.
    """
    unit = "bytes" if isinstance(text, bytes) else "characters"
    mark = _TRACEBACK_MARK.encode() if isinstance(text, bytes) else _TRACEBACK_MARK
    newline = b"\n" if isinstance(text, bytes) else "\n"
    tail_start = len(text) - WINDOW
    tail_start = text.find(newline, tail_start) + 1 or tail_start  # start on a line boundary
    starts: list[int] = []
    found = text.rfind(mark, 0, tail_start)
    while found != -1 and len(starts) < MAX_EARLY_BLOCKS:
        starts.append(text.rfind(newline, 0, found) + 1)
        found = text.rfind(mark, 0, starts[-1])
    blocks: list[AnyStr] = []
    ordered: list[int] = sorted(starts)
    for begin, following in zip(ordered, [*ordered[1:], tail_start]):
        end = min(begin + EARLY_BLOCK, following)
        end = text.rfind(newline, begin, end) + 1 or end
        blocks.append(text[begin:end])
    kept = sum(len(block) for block in blocks)
    early = f" and {len(blocks)} earlier traceback block(s)" if blocks else ""
    notice = f"{name}: analysed the last {WINDOW:,} {unit}{early}; skipped {tail_start - kept:,} {unit}"
    blocks.append(text[tail_start:])
    return text[:0].join(blocks), notice


def _looks_binary(data: bytes) -> bool:
    sample = data[:_BINARY_SAMPLE]
    if not sample:
        return False
    if b"\x00" in sample:
        return True
    control = sum(1 for byte in sample if byte < 9 or 13 < byte < 27 or 27 < byte < 32)
    return control / len(sample) > 0.1
