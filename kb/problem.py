"""One problem with one KB entry file.

Its own module, free of pydantic and yaml, so the compiled KB cache can rebuild
problems without importing the loader.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one entry file, printable as ``path:line:col: id: field: message``."""

    path: str
    line: int
    col: int
    entry_id: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}:{self.col}"
        return f"{where}: {self.entry_id}: {self.field}: {self.message}"
