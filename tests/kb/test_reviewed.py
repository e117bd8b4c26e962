"""Entries are re-reviewed when the stack moves: ``reviewed`` may lag the lock file by at most one minor release."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from peft_why.kb.loader import load_kb

LOCK = Path(__file__).resolve().parents[2] / "constraints.txt"
MAX_MINOR_LAG = 1  # two minor releases behind fails


def locked_versions(text: str) -> dict[str, tuple[int, int]]:
    """``name==1.2.3`` lines of a pip constraints file → {name: (major, minor)}."""
    found = {}
    for match in re.finditer(r"^([A-Za-z0-9_.-]+)==(\d+)\.(\d+)", text, flags=re.M):
        found[match.group(1).lower()] = (int(match.group(2)), int(match.group(3)))
    return found


def minor_lag(reviewed: str, locked: tuple[int, int]) -> int:
    """How many minor releases ``reviewed`` is behind the lock; a major bump counts as far behind."""
    major, minor = (int(part) for part in reviewed.split(".")[:2])
    if major != locked[0]:
        return 99 if major < locked[0] else 0
    return locked[1] - minor


def test_minor_lag_counts_minor_releases() -> None:
    assert minor_lag("0.21.2", (0, 21)) == 0
    assert minor_lag("0.19.1", (0, 21)) == 2
    assert minor_lag("4.57.0", (5, 24)) == 99


@pytest.mark.parametrize("entry", load_kb(include_env=False).active, ids=lambda e: e.id)
def test_entry_review_is_not_stale(entry: object) -> None:
    locked = locked_versions(LOCK.read_text(encoding="utf-8"))
    reviewed = entry.reviewed
    assert reviewed, "every entry records the versions it was last checked against"
    stale = {
        package: (version, "{}.{}".format(*locked[package]))
        for package, version in reviewed.items()
        if package in locked and minor_lag(version, locked[package]) > MAX_MINOR_LAG
    }
    assert not stale, f"re-review against the locked versions, then update `reviewed`: {stale}"
