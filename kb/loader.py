"""Load KB entries from YAML, keeping positions so every problem names its file and line.

Problems are collected, never raised one at a time: ``kb lint`` wants all of them,
and at run time a broken entry is skipped while the rest of the KB keeps working.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Iterator, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .model import KnowledgeBase, LoadedEntry, Loc
from .problem import Problem
from .schema import Entry

__all__ = ["KnowledgeBase", "LoadedEntry", "Loc", "Problem", "load_kb"]

BUILTIN = "built-in"


def builtin_entries_dir() -> Path:
    """The KB shipped inside the package (package data, never the source tree)."""
    return Path(str(resources.files("peft_why.kb") / "entries"))


def user_kb_dirs(extra: Sequence[str | Path] = ()) -> list[Path]:
    """User KB directories: ``PEFT_WHY_KB_PATH`` (os.pathsep-separated), then ``extra`` (``--kb``)."""
    from_env = [Path(p) for p in os.environ.get("PEFT_WHY_KB_PATH", "").split(os.pathsep) if p.strip()]
    return from_env + [Path(p) for p in extra]


def load_kb(extra_dirs: Sequence[str | Path] = (), *, include_env: bool = True) -> KnowledgeBase:
    """Load the built-in KB, then layer user directories over it (a user entry overrides by id).

    Broken files become ``problems`` and are left out; everything else loads.
    """
    kb = KnowledgeBase()
    dirs: list[tuple[Path, str]] = [(builtin_entries_dir(), BUILTIN)]
    user_dirs = user_kb_dirs(extra_dirs) if include_env else [Path(p) for p in extra_dirs]
    dirs += [(d, str(d)) for d in user_dirs]
    for directory, origin in dirs:
        if not directory.is_dir():
            kb.problems.append(Problem(str(directory), 0, 0, "-", "-", "KB directory does not exist"))
            continue
        seen_here: dict[str, str] = {}
        for path in sorted(directory.glob("*.yaml")) + sorted(directory.glob("*.yml")):
            loaded, problems = load_entry_file(path, origin)
            kb.problems.extend(problems)
            if loaded is None:
                continue
            entry_id = loaded.entry.id
            if entry_id in seen_here:
                kb.problems.append(
                    _problem(path, loaded.positions, ("id",), entry_id, f"duplicate id, also in {seen_here[entry_id]}")
                )
                continue
            seen_here[entry_id] = str(path)
            kb.loaded[entry_id] = loaded
    kb.problems.extend(cross_entry_problems(kb))
    return kb


def load_entry_file(path: Path, origin: str = BUILTIN) -> tuple[LoadedEntry | None, list[Problem]]:
    """Parse and validate one entry file; return the entry (None if broken) and its problems."""
    stem = path.stem
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(str(path), 1, 1, stem, "-", f"cannot read file: {exc}")]
    try:
        data, positions = parse_yaml_with_positions(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        return None, [Problem(str(path), line, col, stem, "-", f"invalid YAML: {message}")]
    except yaml.YAMLError as exc:
        return None, [Problem(str(path), 1, 1, stem, "-", f"invalid YAML: {exc}")]
    if not isinstance(data, dict):
        return None, [Problem(str(path), 1, 1, stem, "-", "an entry file must hold a mapping of fields")]
    entry_id = str(data.get("id", stem))
    problems = todo_problems(path, data, positions, entry_id) + schema_problems(path, data, positions, entry_id)
    if problems:
        return None, problems
    entry = Entry.model_validate(data)
    problems = entry_problems(path, entry, positions)
    if problems:
        return None, problems
    return LoadedEntry(entry.to_model(), str(path), origin, positions), []


def parse_yaml_with_positions(text: str) -> tuple[Any, dict[Loc, tuple[int, int]]]:
    """Parse YAML and record the (line, col) of every key and list item, 1-based."""
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    if node is None:
        return None, {}
    positions: dict[Loc, tuple[int, int]] = {}
    _record_positions(node, (), positions)
    loader = yaml.SafeLoader("")
    try:
        data = loader.construct_document(node)
    finally:
        loader.dispose()
    return data, positions


def _record_positions(node: yaml.Node, loc: Loc, out: dict[Loc, tuple[int, int]]) -> None:
    out.setdefault(loc, (node.start_mark.line + 1, node.start_mark.column + 1))
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            out[(*loc, key)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            _record_positions(value_node, (*loc, key, "<value>"), out)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_positions(item, (*loc, index), out)


def position(positions: dict[Loc, tuple[int, int]], loc: Loc) -> tuple[int, int]:
    """The best known position for a field path: its value if recorded, else the deepest known prefix."""
    yaml_loc: Loc = ()
    candidates: list[Loc] = [()]
    for part in loc:
        if isinstance(part, int):
            yaml_loc = (*yaml_loc, part)
            candidates.append(yaml_loc)
        else:
            candidates.append((*yaml_loc, part))
            yaml_loc = (*yaml_loc, part, "<value>")
            candidates.append(yaml_loc)
    for candidate in reversed(candidates):
        if candidate in positions:
            return positions[candidate]
    return (1, 1)


def field_name(loc: Iterable[str | int]) -> str:
    """``("symptoms", 0, "regex")`` → ``symptoms[0].regex``."""
    name = ""
    for part in loc:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "-"


def _problem(path: Path, positions: dict[Loc, tuple[int, int]], loc: Loc, entry_id: str, message: str) -> Problem:
    line, col = position(positions, loc)
    return Problem(str(path), line, col, entry_id, field_name(loc), message)


def schema_problems(
    path: Path, data: dict[str, Any], positions: dict[Loc, tuple[int, int]], entry_id: str
) -> list[Problem]:
    """pydantic's errors, one per problem, each placed on its YAML line with a did-you-mean hint."""
    try:
        Entry.model_validate(data)
    except ValidationError as exc:
        return [_validation_problem(path, positions, entry_id, error) for error in exc.errors()]
    return []


def todo_problems(
    path: Path, data: dict[str, Any], positions: dict[Loc, tuple[int, int]], entry_id: str
) -> list[Problem]:
    """Every value still holding the ``TODO`` marker that ``peft-why kb new`` scaffolds: not written yet."""
    from .templates import TODO_MARKER

    out: list[Problem] = []

    def walk(value: Any, loc: Loc) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, (*loc, str(key)))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, (*loc, index))
        elif isinstance(value, str) and TODO_MARKER in value:
            out.append(_problem(path, positions, loc, entry_id, f"still a {TODO_MARKER}: write it"))

    walk(data, ())
    return out


def _validation_problem(path: Path, positions: dict[Loc, tuple[int, int]], entry_id: str, error: Any) -> Problem:
    loc: Loc = tuple(error["loc"])
    if error["type"] == "extra_forbidden":
        line, col = positions.get(_key_loc(loc), position(positions, loc))
        return Problem(str(path), line, col, entry_id, field_name(loc), "unknown field" + _did_you_mean(loc))
    elif error["type"] == "missing":
        message = "required field is missing"
    else:
        message = str(error["msg"]).removeprefix("Value error, ")
    return _problem(path, positions, loc, entry_id, message)


def _key_loc(loc: Loc) -> Loc:
    """The YAML position key of a mapping key (not its value): where an unknown field is written."""
    out: Loc = ()
    for part in loc[:-1]:
        out = (*out, part) if isinstance(part, int) else (*out, part, "<value>")
    return (*out, loc[-1])


def _did_you_mean(loc: Loc) -> str:
    model: Any = Entry
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        annotation = model.model_fields.get(part) if hasattr(model, "model_fields") else None
        if annotation is None:
            return ""
        model = _inner_model(annotation.annotation)
    names = list(getattr(model, "model_fields", {}))
    close = difflib.get_close_matches(str(loc[-1]), names, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _inner_model(annotation: Any) -> Any:
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return annotation if hasattr(annotation, "model_fields") else None


def entry_problems(path: Path, entry: Entry, positions: dict[Loc, tuple[int, int]]) -> list[Problem]:
    """Contract rules beyond types: id = file stem, example counts, patterns that compile."""
    from .patterns import compile_pattern, pattern_problem

    out: list[Problem] = []

    def add(loc: Loc, message: str) -> None:
        out.append(_problem(path, positions, loc, entry.id, message))

    if entry.id != path.stem:
        add(("id",), f"must equal the file name stem {path.stem!r}")
    if entry.is_retired:
        if not entry.superseded_by:
            add(("status",), "a retired entry needs superseded_by")
    else:
        if entry.superseded_by:
            add(("superseded_by",), "only retired entries are superseded")
        if len(entry.examples.match) < 3:
            add(
                ("examples", "match"),
                f"needs at least 3 texts that rank this entry first, has {len(entry.examples.match)}",
            )
        if not entry.examples.no_match:
            add(("examples", "no_match"), "needs at least 1 near miss that must not rank this entry first")
        if not entry.symptoms and not entry.aliases:
            add(("symptoms",), "needs symptoms or aliases, or nothing can match this entry")
    groups: set[str] = set()
    for index, symptom in enumerate(entry.symptoms):
        message = pattern_problem(symptom.regex)
        if message:
            add(("symptoms", index, "regex"), message)
        else:
            groups.update(compile_pattern(symptom.regex).groupindex)
    if entry.family and not entry.distinguish:
        add(("family",), "an entry in a family needs distinguish: the observation that tells it apart")
    if entry.finding:
        out.extend(_finding_problems(path, entry, positions, groups))
    return out


def _finding_problems(
    path: Path, entry: Entry, positions: dict[Loc, tuple[int, int]], groups: set[str]
) -> list[Problem]:
    """Every ``finding`` placeholder must be a named group of a symptom regex or a reserved name."""
    from .templates import RESERVED, placeholders

    try:
        names = placeholders(entry.finding or "")
    except ValueError as exc:
        return [_problem(path, positions, ("finding",), entry.id, f"not a str.format template: {exc}")]
    known = ", ".join(sorted(groups | RESERVED))
    return [
        _problem(
            path,
            positions,
            ("finding",),
            entry.id,
            f"{{{name}}} is neither a named group of a symptom regex nor reserved (known: {known})",
        )
        for name in names
        if name not in groups and name not in RESERVED
    ]


def cross_entry_problems(kb: KnowledgeBase) -> list[Problem]:
    """Rules that need the whole KB: superseded_by must name an existing entry."""
    out: list[Problem] = []
    for entry_id in sorted(kb.loaded):
        loaded = kb.loaded[entry_id]
        target = loaded.entry.superseded_by
        if target and target not in kb.loaded:
            out.append(
                _problem(
                    Path(loaded.path), loaded.positions, ("superseded_by",), entry_id, f"names unknown entry {target!r}"
                )
            )
    return out


def iter_problem_files(problems: Iterable[Problem]) -> Iterator[tuple[str, list[Problem]]]:
    """Group problems by file, in order of first appearance (one run-time warning per broken file)."""
    grouped: dict[str, list[Problem]] = {}
    for problem in problems:
        grouped.setdefault(problem.path, []).append(problem)
    yield from grouped.items()
