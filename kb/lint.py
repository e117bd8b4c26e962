"""``kb lint``: every problem in every entry, strictly, including the browser's view of the patterns.

The loader already collects schema, id and Python-pattern problems. Lint adds
what needs the whole KB or an outside tool: every pattern must also compile as a
JavaScript ``RegExp`` (the docs site runs them), checked with Node in one batch.
"""

from __future__ import annotations

import functools
import gzip
import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .loader import Loc, Problem, load_kb, position
from .model import Entry
from .patterns import split_flags

_NODE_SCRIPT = r"""
const items = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const out = [];
for (const [i, flags, body] of items) {
  try { new RegExp(body, flags); } catch (e) { out.push([i, String(e.message)]); }
}
process.stdout.write(JSON.stringify(out));
"""


@dataclass
class LintReport:
    """What ``kb lint`` found: problems (each fails lint) and notices (informational)."""

    problems: list[Problem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    entries: int = 0
    patterns: int = 0

    @property
    def files(self) -> int:
        return len({problem.path for problem in self.problems})


def lint(
    extra_dirs: Sequence[str | Path] = (), *, javascript: bool = True, require_node: bool | None = None
) -> LintReport:
    """Load the KB strictly and collect every problem; optionally compile patterns with Node.

    Without Node the JavaScript check is skipped with a notice, unless ``require_node``
    (default: under ``CI=true``), where a skip would let a pattern the paste page cannot
    compile through: then it is a problem and lint fails.
    """
    kb = load_kb(extra_dirs)
    report = LintReport(problems=list(kb.problems), entries=len(kb))
    located: list[tuple[str, str, tuple[int, int], str, int]] = []
    for entry_id in sorted(kb.loaded):
        loaded = kb.loaded[entry_id]
        for index, symptom in enumerate(loaded.entry.symptoms):
            where = position(loaded.positions, ("symptoms", index, "regex"))
            located.append((loaded.path, entry_id, where, symptom.regex, index))
        report.problems.extend(_check_problems(loaded.path, entry_id, loaded.entry.verify, loaded.positions))
        report.problems.extend(_repro_problems(loaded.path, loaded.entry, loaded.positions))
        report.problems.extend(machine_path_problems(loaded.path, entry_id, loaded.positions))
        report.problems.extend(catalogue_problems(loaded.path, loaded.entry, loaded.positions))
    report.patterns = len(located)
    if javascript:
        js_problems, notice = javascript_problems(located)
        report.problems.extend(js_problems)
        if notice and (on_ci() if require_node is None else require_node):
            required = f"{notice} (Node is required here: CI=true or require_node)"
            report.problems.append(Problem("kb/entries", 1, 1, "*", "javascript", required))
        elif notice:
            report.notices.append(notice)
    report.problems.sort(key=lambda p: (p.path, p.line, p.col))
    return report


CATALOGUE_PATH = Path(__file__).resolve().parent / "data" / "catalogue.json.gz"


@functools.lru_cache(maxsize=2)
def catalogue_ids(path: Path = CATALOGUE_PATH) -> frozenset[str] | None:
    """The message ids of the shipped catalogue (None when it cannot be read).

    Read here, not through ``matcher.catalogue``: imports flow cli -> matcher -> kb.
    """
    try:
        document = json.loads(gzip.decompress(path.read_bytes()).decode("utf-8"))
        return frozenset(str(record["id"]) for record in document["messages"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def catalogue_problems(path: str, entry: Entry, positions: dict[Loc, tuple[int, int]]) -> list[Problem]:
    """A ``messages[].catalogue`` id the shipped catalogue lacks (a typo, or a message since rebuilt away)."""
    named = [(n, m.catalogue) for n, m in enumerate(entry.messages) if m.catalogue]
    if not named:
        return []
    known = catalogue_ids()
    out = []
    for index, source_id in named:
        if known is None or source_id not in known:
            line, col = position(positions, ("messages", index, "catalogue"))
            why = (
                "the catalogue (kb/data/catalogue.json.gz) cannot be read" if known is None else "not in the catalogue"
            )
            out.append(Problem(path, line, col, entry.id, f"messages[{index}].catalogue", f"{source_id}: {why}"))
    return out


def on_ci() -> bool:
    """``CI=true`` (or 1/yes): the environment promises every tool, so nothing may be skipped."""
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def _check_exists(name: str, entry_path: str) -> bool:
    """In the installed checks, or (for an entry in a source checkout) in that checkout's ``kb/checks/``."""
    from . import checks

    if checks.has_check(name):
        return True
    root = checkout_root(entry_path)
    return root is not None and checks.is_check_name(name) and (root / "kb" / "checks" / f"{name}.py").is_file()


def _check_problems(
    path: str, entry_id: str, verify: str | None, positions: dict[Loc, tuple[int, int]]
) -> list[Problem]:
    if not verify or _check_exists(verify, path):
        return []
    line, col = position(positions, ("verify",))
    return [Problem(path, line, col, entry_id, "verify", f"no check named {verify!r} in kb/checks/")]


def checkout_root(entry_path: str) -> Path | None:
    """The source checkout an entry file sits in, or None (an installed package, a user KB directory).

    A checkout is recognised by ``<root>/kb/entries/<id>.yaml`` beside ``<root>/tests/kb/repro/``.
    """
    entries = Path(entry_path).resolve().parent
    root = entries.parent.parent
    if entries.name != "entries" or entries.parent.name != "kb" or not (root / "tests" / "kb" / "repro").is_dir():
        return None
    return root


def repro_test_path(entry_path: str, entry_id: str) -> Path | None:
    """Where a CPU reproduction of this entry lives, when the entry sits in a source checkout.

    Outside a checkout there are no tests, so the rule does not apply there.
    """
    root = checkout_root(entry_path)
    return None if root is None else root / "tests" / "kb" / "repro" / f"test_{entry_id.replace('-', '_')}.py"


def _repro_problems(path: str, entry: Entry, positions: dict[Loc, tuple[int, int]]) -> list[Problem]:
    """``reproduced.how: cpu`` promises a reproduction test: it must exist."""
    if entry.reproduced is None or entry.reproduced.how != "cpu":
        return []
    expected = repro_test_path(path, entry.id)
    if expected is None or expected.is_file():
        return []
    line, col = position(positions, ("reproduced", "how"))
    where = f"tests/kb/repro/{expected.name}"
    return [Problem(path, line, col, entry.id, "reproduced.how", f"cpu, but {where} does not exist: write it")]


def machine_path_problems(path: str, entry_id: str, positions: dict[Loc, tuple[int, int]]) -> list[Problem]:
    """Examples that name the reproduction machine's paths (``/work/...``, ``/tmp/...``, a venv).

    Found in the file's text, so each problem points at the path itself; the field is the
    example whose item starts last before it.
    """
    from .user_paths import machine_paths

    items = sorted((where, loc) for loc, where in positions.items() if loc[:1] == ("examples",) and len(loc) == 5)
    if not items:
        return []
    start = positions.get(("examples",), (0, 0))
    after = [where for loc, where in positions.items() if len(loc) == 1 and where > start]
    end = min(after)[0] if after else 1 << 30
    problems = []
    text = Path(path).read_text(encoding="utf-8")
    for line, col, prefix in machine_paths(text):
        line += 1
        if not items[0][0][0] <= line < end:
            continue
        loc = max((item for item in items if item[0][0] <= line), default=items[0])[1]
        message = f"machine-specific path {prefix!r}: rewrite it as a user's (python scripts/user_paths.py)"
        problems.append(Problem(path, line, col + 1, entry_id, f"examples.{loc[2]}[{loc[4]}]", message))
    return problems


def javascript_problems(located: list[tuple[str, str, tuple[int, int], str, int]]) -> tuple[list[Problem], str]:
    """Compile every pattern as a JavaScript RegExp in one Node process; Node missing is a notice."""
    node = shutil.which("node")
    if node is None:
        return [], "node not found: JavaScript compilation of patterns skipped"
    items = [[i, *split_flags(pattern)] for i, (_p, _e, _w, pattern, _s) in enumerate(located)]
    try:
        done = subprocess.run(
            [node, "-e", _NODE_SCRIPT], input=json.dumps(items), capture_output=True, text=True, timeout=60, check=True
        )
        failures = json.loads(done.stdout or "[]")
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        return [], f"could not run node to check JavaScript patterns: {exc}"
    problems = []
    for index, message in failures:
        path, entry_id, (line, col), _pattern, symptom = located[index]
        field_name = f"symptoms[{symptom}].regex"
        problems.append(Problem(path, line, col, entry_id, field_name, f"not a valid JavaScript RegExp: {message}"))
    return problems, ""
