"""Render a caught warning the way Python prints it on stderr: the paste a user would make."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from pathlib import Path

from peft_why.kb.user_paths import user_paths

ROOT = str(Path(__file__).resolve().parents[3])


def format_warning(record: warnings.WarningMessage) -> str:
    """``path:line: Category: message`` plus the source line, as ``warnings.showwarning`` prints it (user paths)."""
    message, category = record.message, record.category
    shown = warnings.formatwarning(message, category, record.filename, record.lineno, record.line)
    return user_paths(shown, roots=[ROOT])


def find_warning(records: Iterable[warnings.WarningMessage], text: str) -> warnings.WarningMessage:
    """The first caught warning whose message contains ``text`` (AssertionError if there is none)."""
    for record in records:
        if text in str(record.message):
            return record
    raise AssertionError(f"no warning containing {text!r}")
