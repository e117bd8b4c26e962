"""Reading what the user gave us: files, ``-`` or stdin, as text, whatever the bytes are.

A bad input is reported as that input's error; it never stops the other inputs.
"""

from __future__ import annotations

import codecs
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

# Analyse at most this much of one paste: the end of a log is where the error is.
WINDOW_BYTES = 1_000_000
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
    """Bytes to text: UTF-16/UTF-8 BOMs honoured, invalid UTF-8 replaced, binary refused."""
    notice = None
    if len(data) > WINDOW_BYTES:
        skipped = len(data) - WINDOW_BYTES
        data = data[-WINDOW_BYTES:]
        notice = f"{name}: analysed the last {WINDOW_BYTES:,} bytes; skipped the first {skipped:,}"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return Source(name, data.decode("utf-16", errors="replace"), notice=notice)
    if _looks_binary(data):
        return Source(name, None, f"{name}: looks like binary data, not text")
    text = data.decode("utf-8-sig", errors="replace")
    if "\ufffd" in text and notice is None and b"\xef\xbf\xbd" not in data:
        notice = f"{name}: not valid UTF-8; undecodable bytes were replaced"
    return Source(name, text, notice=notice)


def _looks_binary(data: bytes) -> bool:
    sample = data[:_BINARY_SAMPLE]
    if not sample:
        return False
    if b"\x00" in sample:
        return True
    control = sum(1 for byte in sample if byte < 9 or 13 < byte < 27 or 27 < byte < 32)
    return control / len(sample) > 0.1
