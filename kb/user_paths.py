"""Paths as users have them: captured tracebacks rewritten before they become KB examples.

Reproductions run in a worktree, a venv and pytest's temp folders, so their
tracebacks name ``/work/wt-kb2/.venv/lib/python3.11/site-packages/...`` or
``/tmp/pytest-of-root/pytest-3/test_x0/...``. Those prefixes mean nothing to a
reader and make examples look machine-made; the rest of the traceback (file
names under the package, line numbers, functions, messages) is the reproduction
and stays. ``user_paths`` rewrites the prefixes; ``machine_paths`` finds the ones
left, for ``kb lint``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

PROJECT = "/home/user/project"
SITE_PACKAGES = "…/site-packages/"
HOME = "/home/user/"

# A path starts at the start of a line or after a quote, space, bracket, '=' or ','.
_START = r"(?<![^\s\"'(\[=,])"
_SEGMENT = r"[^\s\"'/:]+"
_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    # Any venv's or interpreter's site-packages (inside a worktree or not): keep the part under it.
    (re.compile(_START + rf"(?:/{_SEGMENT})*/site-packages/"), SITE_PACKAGES),
    # Release sources unpacked for research (``.../src/peft/0.17.1/peft/``) stand for an installed package.
    (
        re.compile(_START + rf"(?:/{_SEGMENT})*/src/(?P<pkg>\w+)/\d+(?:\.\d+)+[^/\s\"']*/(?P=pkg)/"),
        SITE_PACKAGES + r"\g<pkg>/",
    ),
    # A worktree or checkout of this project (``/work/main``, ``/work/wt-kb1``, ``/work/wt/name``).
    (re.compile(_START + rf"/work/(?:wt/)?{_SEGMENT}"), PROJECT),
    # pytest's tmp_path (``/tmp/pytest-of-root/pytest-3/test_name0``) and tempfile's ``/tmp/tmpab12cd34``.
    (re.compile(_START + rf"/tmp/pytest-of-{_SEGMENT}/pytest-\d+/{_SEGMENT}"), PROJECT),
    # Any other scratch folder (``/tmp/kb1/repro.py``) or file (``/tmp/repro.py``) in /tmp.
    (re.compile(_START + rf"/tmp/{_SEGMENT}(?=/)"), PROJECT),
    (re.compile(_START + r"/tmp/"), PROJECT + "/"),
    (re.compile(_START + r"/root/"), HOME),
)

# What ``kb lint`` rejects in examples: prefixes of the machines the reproductions ran on.
MACHINE_PREFIX = re.compile(_START + r"(/work/|/tmp/|/root/|(?:/" + _SEGMENT + r")*/\.?venv/)")


def user_paths(text: str, *, roots: Iterable[str] = ()) -> str:
    """``text`` with machine-specific path prefixes replaced by a user's.

    Args:
        text: a captured traceback, warning or log.
        roots: extra folders that stand for the user's project (e.g. a checkout outside ``/work``).
    """
    for root in sorted((r.rstrip("/") for r in roots if r.strip("/")), key=len, reverse=True):
        text = re.sub(_START + re.escape(root) + r"(?=[/\s\"']|$)", PROJECT, text, flags=re.MULTILINE)
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text


def machine_paths(text: str) -> Iterator[tuple[int, int, str]]:
    """``(line, col, prefix)`` (0-based) of every machine-specific path prefix in ``text``."""
    for number, line in enumerate(text.split("\n")):
        for found in MACHINE_PREFIX.finditer(line):
            yield number, found.start(), found.group(1)
