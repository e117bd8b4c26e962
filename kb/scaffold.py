"""``peft-why kb new ID``: the files a new entry needs, each with ``TODO`` markers that fail until written.

Writes, in a source checkout: ``kb/entries/ID.yaml`` (fields in the house order; every value
still to write holds ``TODO``, which ``kb lint`` rejects at its line), ``tests/kb/repro/test_<id>.py``
(a reproduction that fails until written) and, with a check, ``kb/checks/<id>.py`` (its check
raises until written) plus ``tests/kb/check_fixtures/<id>.py`` (fault/clean that fail until
written). Nothing is overwritten: an existing id is refused, except that ``--check`` on an
entry without a check scaffolds just the check and its fixtures and points ``verify:`` at it
(``add_check``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .schema import ID_PATTERN
from .templates import TODO_MARKER

AREAS = ("loading", "saving", "training", "quantization", "generation", "configuration", "environment")


class ScaffoldError(ValueError):
    """Why nothing was written (one line)."""


@dataclass(frozen=True)
class Scaffold:
    """A file to write: where (relative to the checkout) and what."""

    path: str
    text: str


def plan(entry_id: str, *, check: bool = False, area: str | None = None, since: str = "0.1.0") -> list[Scaffold]:
    """The files for a new entry, not yet written. Raises ``ScaffoldError`` for a bad id or area."""
    if not ID_PATTERN.match(entry_id):
        raise ScaffoldError(f"{entry_id!r} is not a kebab-case id (a-z, 0-9, single dashes)")
    if area is not None and area not in AREAS:
        raise ScaffoldError(f"unknown area {area!r}; choose from {', '.join(AREAS)}")
    name = entry_id.replace("-", "_")
    files = [
        Scaffold(f"kb/entries/{entry_id}.yaml", entry_yaml(entry_id, check=check, area=area, since=since)),
        Scaffold(f"tests/kb/repro/test_{name}.py", repro_test(entry_id)),
    ]
    if check:
        files.append(Scaffold(f"kb/checks/{name}.py", check_module(entry_id)))
        files.append(Scaffold(f"tests/kb/check_fixtures/{name}.py", check_fixtures(entry_id)))
    return files


# The entry's ``verify:`` line while it has no check (what ``entry_yaml`` writes without --check).
_NO_CHECK = re.compile(r"^verify:[ \t]*(?:null|~)?[ \t]*$", re.MULTILINE)


def write(root: Path, files: list[Scaffold], refusal: str = "ids are never reused (pick another id)") -> list[Path]:
    """Write the planned files under ``root``; refuses (writing nothing) when any exists."""
    if not (root / "kb" / "entries").is_dir():
        raise ScaffoldError(f"{root} is not a peft-why source checkout (no kb/entries/ there)")
    targets = [root / scaffold.path for scaffold in files]
    existing = [str(scaffold.path) for scaffold, target in zip(files, targets) if target.exists()]
    if existing:
        raise ScaffoldError(f"{existing[0]} already exists: {refusal}")
    for scaffold, target in zip(files, targets):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(scaffold.text, encoding="utf-8")
    return targets


def add_check(root: Path, entry_id: str) -> list[Path]:
    """Scaffold a check and its fixtures for an entry that has none, and point its ``verify:`` at it.

    Adding a check later is as much a one-command job as adding an entry; the YAML keeps its
    layout (only the ``verify:`` line changes). Refuses an entry that already names a check.
    """
    entry_path = root / "kb" / "entries" / f"{entry_id}.yaml"
    text = entry_path.read_text(encoding="utf-8")
    line = _NO_CHECK.search(text)
    if line is None:
        raise ScaffoldError(f"{entry_path}: has a check already, or no 'verify: null' line to point at a new one")
    name = entry_id.replace("-", "_")
    files = [
        Scaffold(f"kb/checks/{name}.py", check_module(entry_id)),
        Scaffold(f"tests/kb/check_fixtures/{name}.py", check_fixtures(entry_id)),
    ]
    written = write(root, files, refusal="remove it or finish it")
    entry_path.write_text(text[: line.start()] + f"verify: {name}" + text[line.end() :], encoding="utf-8")
    return [*written, entry_path]


def entry_yaml(entry_id: str, *, check: bool, area: str | None, since: str) -> str:
    """The entry file: house field order, ``TODO`` wherever the author has to write."""
    name = entry_id.replace("-", "_")
    todo = TODO_MARKER
    areas = " | ".join(AREAS)
    return f"""\
id: {entry_id}
title: '{todo}: the failure in one line, as the user meets it'
status: preview
since: "{since}"
area: {area or f"{todo}  # {areas}"}
# family: results-differ          # optional: entries that present alike share a family (then distinguish:)
symptoms:
  - scope: message                # message | traceback | warning | any
    exception: []                 # exception type names as printed, e.g. [ValueError]
    regex: '{todo}: a pattern over the message, from the library source'
# presentations:                  # optional: how it shows without an error message, en and zh
#   - observation: "..."
#     context: "..."
#     lang: en
root_cause: >-
  {todo}: why it happens, 1-5 lines.
# finding: "..."                  # optional: per-paste line from named groups, {{package}} {{needed}} {{seen}}
fix:
  summary: '{todo}: what to do, imperative, one line'
  snippet: |
    # {todo}: code that does it
verify: {name if check else "null"}
reviewed: {{peft: {todo}, transformers: {todo}}}   # the versions you checked the entry against
# messages:                       # optional: version-relevant library messages, literal source text
#   - package: peft
#     text: "..."
reproduced:
  how: cpu                        # cpu | side-venv | gpu | no
  note: '{todo}: what tests/kb/repro/test_{name}.py does'
examples:
  match:                          # >= 3, each must rank this entry first
    - '{todo}: a reproduced traceback'
    - '{todo}: the error line'
    - '{todo}: a sentence a user would type'
  no_match:                       # >= 1 near miss that must not rank it first
    - '{todo}: a near miss'
  known_miss: []
references: []
"""


def repro_test(entry_id: str) -> str:
    """A reproduction test that fails until written."""
    name = entry_id.replace("-", "_")
    return f'''\
"""Reproduce {entry_id} on CPU with the installed libraries: tiny models from configs, no downloads."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.repro


def test_{name}_reproduces() -> None:
    pytest.fail("{TODO_MARKER}: trigger {entry_id} and assert the library's exact message")
'''


def check_module(entry_id: str) -> str:
    """A check that raises until written (the runner reports it as an ``error`` finding)."""
    return f'''\
"""Check for {entry_id}: {TODO_MARKER} say what it inspects and why that shows the fault."""

from __future__ import annotations

from .api import CheckContext, Finding

ENTRY = "{entry_id}"


def check(ctx: CheckContext) -> Finding:
    raise NotImplementedError("{TODO_MARKER}: write the check for {entry_id}")
'''


def check_fixtures(entry_id: str) -> str:
    """Fault/clean scenarios that fail until written."""
    name = entry_id.replace("-", "_")
    return f'''\
"""{entry_id}: the planted fault and the nearest clean state for its check."""

from __future__ import annotations

from pathlib import Path

import pytest

from . import Scenario


def fault(tmp_path: Path) -> Scenario:
    pytest.fail("{TODO_MARKER}: tests/kb/check_fixtures/{name}.py: plant the fault of {entry_id}")


def clean(tmp_path: Path) -> Scenario:
    pytest.fail("{TODO_MARKER}: tests/kb/check_fixtures/{name}.py: the nearest state without the fault")
'''
