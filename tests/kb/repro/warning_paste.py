"""Render a caught warning the way Python prints it on stderr: the paste a user would make."""

from __future__ import annotations

import warnings
from collections.abc import Iterable


def format_warning(record: warnings.WarningMessage) -> str:
    """``path:line: Category: message`` plus the source line, as ``warnings.showwarning`` prints it."""
    message, category = record.message, record.category
    return warnings.formatwarning(message, category, record.filename, record.lineno, record.line)


def find_warning(records: Iterable[warnings.WarningMessage], text: str) -> warnings.WarningMessage:
    """The first caught warning whose message contains ``text`` (AssertionError if there is none)."""
    for record in records:
        if text in str(record.message):
            return record
    raise AssertionError(f"no warning containing {text!r}")
