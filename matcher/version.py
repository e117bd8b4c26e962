"""Version stage: what the released packages say about the names in a paste, and which entries are fixed.

Two kinds of evidence, from the version table (kb/data/versions.json, built by
scripts/build_version_table.py from released wheels):

- a config field or public name the paste mentions that the user's release does not have yet
  (``unexpected keyword argument 'use_dora'`` -> "use_dora needs peft >= 0.9.0"), or no longer
  has (``cannot import name 'HybridCache'`` -> "removed in transformers 5.0.0"), is evidence for
  the KB's version-skew entry (``OUTDATED_ENTRY``);
- an entry whose ``fixed_in`` is at or below the user's version, or whose ``affects`` range
  excludes it, gets a negative candidate: ``fuse`` demotes it and the evidence says why.
  Versions re-rank, they never drop an entry.

Which versions: those the paste reveals (``Trace.versions``), or those passed in (the live ones
for an in-process exception, another interpreter's for ``--python``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .index import KbIndex
from .trace import Trace
from .types import Candidate

if TYPE_CHECKING:
    from packaging.version import Version

    from peft_why.kb.model import Entry

OUTDATED_ENTRY = "outdated-package"
# A keyword the config rejects because it is misspelt or belongs to another config. When the table shows
# the field exists from a later release than the one the paste shows, that reading is wrong: demote it.
MISSPELT_ENTRY = "invalid-config-argument"
PACKAGES = ("peft", "transformers", "trl", "accelerate")
KNOWN_VERSION = 1.0
UNKNOWN_VERSION = 0.7
DEMOTION = -1.0

# Bounded repeats and a literal check before each search keep hostile pastes linear.
_UNEXPECTED = re.compile(
    r"\b(\w{0,80}Config)\w{0,40}(?:\.__init__)?\(\) got an unexpected keyword argument '(\w{1,80})'"
)
_UNEXPECTED_LIST = re.compile(r"Unexpected keyword arguments \[([^\]]{0,2000})\] for class (\w{1,80})")
_IMPORT = re.compile(r"cannot import name '(\w{1,80})' from '(\w{1,80})")
_ATTRIBUTE = re.compile(r"module '(\w{1,80})' has no attribute '(\w{1,80})'")
MAX_TEXT = 20000


def parse_version(text: str) -> Version | None:
    """A release as PEP 440 orders it (``packaging``), or None when ``text`` has no number at all.

    Text that is no valid version (``2.1.0 (cuda)``) falls back to its first three numbers, so a
    version printed oddly in a paste still orders.
    """
    from packaging.version import InvalidVersion, Version  # imported on use: most pastes show no version

    try:
        return Version(text.strip())
    except InvalidVersion:
        numbers = re.findall(r"\d+", text)[:3]
        return Version(".".join(numbers)) if numbers else None


def version_key(text: str) -> Version:
    """``parse_version`` for ordering: text without a number sorts first (as ``0``)."""
    from packaging.version import Version

    return parse_version(text) or Version("0")


def satisfies(version: str, specifier: str) -> bool:
    """Whether ``version`` meets a specifier such as ``">=0.6,<0.8"`` (PEP 440, pre-releases included).

    A clause that is no valid specifier is ignored, as the KB lint reports it.
    """
    from packaging.specifiers import InvalidSpecifier, Specifier

    have = version_key(version)
    for clause in specifier.split(","):
        try:
            spec = Specifier(clause.strip(), prereleases=True)
        except InvalidSpecifier:
            continue
        if not spec.contains(have, prereleases=True):
            return False
    return True


def mentioned(trace: Trace) -> list[tuple[str, str, str]]:
    """``(package, table item, name)`` for the fields and names the paste's errors point at."""
    text = "\n".join(block.headline[:MAX_TEXT] for block in trace.exceptions) or trace.text[-MAX_TEXT:]
    text += "\n" + "\n".join(w.message[:MAX_TEXT] for w in trace.warnings[:20])
    out: list[tuple[str, str, str]] = []
    if "unexpected keyword argument" in text:
        for config, field in _UNEXPECTED.findall(text):
            out.append(("peft", f"field:{config}.{field}", field))
    if "Unexpected keyword arguments" in text:
        for fields, config in _UNEXPECTED_LIST.findall(text):
            for field in re.findall(r"'(\w+)'", fields):
                out.append(("peft", f"field:{config}.{field}", field))
    names = _IMPORT.findall(text) if "cannot import name" in text else []
    if "has no attribute" in text:
        names += [(n, p) for p, n in _ATTRIBUTE.findall(text)]
    for name, package in names:
        if package in PACKAGES:
            out.append((package, f"name:{name}", name))
    return list(dict.fromkeys(out))


# Config classes whose every field the table records (with the base classes that lend them fields):
# for these, a keyword the table lacks is in no release that was read.
FIELD_SOURCES: dict[str, tuple[str, ...]] = {
    "LoraConfig": ("LoraConfig", "PeftConfig", "PeftConfigMixin"),
    "PromptLearningConfig": ("PromptLearningConfig", "PeftConfig", "PeftConfigMixin"),
}


def never_a_field(trace: Trace, table: Mapping[str, Any]) -> str | None:
    """Why a keyword typed into a config is no version skew: no release read has that field.

    Only for ``Config.__init__() got an unexpected keyword argument`` (code the user wrote: a typo, or
    another config's or library's option) and for configs whose fields the table records whole. The
    ``Unexpected keyword arguments [...] for class ...`` warning is left alone: a saved config's keys
    come from a peft, most likely one newer than the table.
    """
    text = "\n".join(block.headline[:MAX_TEXT] for block in trace.exceptions)
    if "unexpected keyword argument" not in text:
        return None
    peft = table.get("peft", {})
    items, read = peft.get("items", {}), peft.get("versions_read", [])
    for config, name in _UNEXPECTED.findall(text):
        sources = FIELD_SOURCES.get(config)
        if sources and not any(f"field:{source}.{name}" in items for source in sources):
            span = f" {read[0]} to {read[-1]}" if read else ""
            return f"no peft release{span} has a {config} field {name!r}: not version skew (demoted)"
    return None


@dataclass(frozen=True)
class VersionPlan:
    """The version stage's prepared data: the entries (by id) and the shipped version table."""

    entries: Mapping[str, Entry]
    table: Mapping[str, Any]


def prepare(entries: Mapping[str, Entry], table: Mapping[str, Any] | None = None) -> VersionPlan:
    """The plan for a KB; ``table`` defaults to the shipped one (``load_table``), read once here."""
    return VersionPlan(entries, load_table() if table is None else table)


def candidates(trace: Trace, plan: VersionPlan, *, versions: Mapping[str, str] | None = None) -> list[Candidate]:
    """Version evidence for and against entries; ``versions`` overrides what the paste shows."""
    entries, table = plan.entries, plan.table
    have = {**trace.versions, **(versions or {})}
    out: list[Candidate] = []
    if OUTDATED_ENTRY in entries:
        best: Candidate | None = None
        for package, item, name in mentioned(trace):
            facts = table.get(package, {}).get("items", {}).get(item)
            if facts is None:
                item = re.sub(r"^field:\w+\.", "field:LoraConfig.", item)  # PeftConfig errors name LoraConfig fields
                facts = table.get(package, {}).get("items", {}).get(item)
            if facts is None:
                continue
            candidate = _skew(package, name, facts, have.get(package))
            if candidate is not None and (best is None or candidate.score > best.score):
                best = candidate
        if best is not None:
            out.append(best)
            needed = dict(best.values).get("needed", "")
            if MISSPELT_ENTRY in entries and best.score == KNOWN_VERSION and needed.startswith(">="):
                # the keyword is a real field, only newer than the user's release: version skew, not a typo
                detail = f"{best.detail}: the keyword exists in a later release (demoted)"
                out.append(Candidate("version", MISSPELT_ENTRY, DEMOTION, detail))
        else:
            never = never_a_field(trace, table)
            if never is not None:
                out.append(Candidate("version", OUTDATED_ENTRY, DEMOTION, never))
    for entry_id in sorted(entries):
        entry = entries[entry_id]
        for package, fixed in sorted(entry.fixed_in.items()):
            if package in have and version_key(have[package]) >= version_key(fixed):
                detail = f"fixed in {package} {fixed}; the paste shows {package} {have[package]} (demoted)"
                out.append(Candidate("version", entry_id, DEMOTION, detail))
                break
        else:
            for package, spec in sorted(entry.affects.items()):
                if package in have and not satisfies(have[package], spec):
                    detail = f"affects {package} {spec}; the paste shows {package} {have[package]} (demoted)"
                    out.append(Candidate("version", entry_id, DEMOTION, detail))
                    break
    return out


def version_candidates(
    trace: Trace,
    index: KbIndex,
    table: Mapping[str, Any],
    *,
    versions: Mapping[str, str] | None = None,
) -> list[Candidate]:
    """``candidates`` over a plan made from ``index`` and ``table`` on the spot (for one-off calls and tests)."""
    return candidates(trace, VersionPlan(index.entries, table), versions=versions)


def _skew(package: str, name: str, facts: Mapping[str, Any], have: str | None) -> Candidate | None:
    first, removed = str(facts.get("first") or "0"), facts.get("removed_in")
    seen = (("seen", have),) if have else ()
    if removed and (have is None or version_key(have) >= version_key(removed)):
        detail = f"{name} was removed in {package} {removed} (present {first}-{facts.get('last')})"
        score = KNOWN_VERSION if have else UNKNOWN_VERSION
        values = (("package", package), ("needed", f"< {removed}"), *seen)
        return Candidate(
            "version", OUTDATED_ENTRY, score, detail + (f"; the paste shows {have}" if have else ""), values=values
        )
    if facts.get("absent_in") and (have is None or version_key(have) < version_key(first)):
        detail = f"{name} needs {package} >= {first}"
        values = (("package", package), ("needed", f">= {first}"), *seen)
        if have:
            return Candidate(
                "version", OUTDATED_ENTRY, KNOWN_VERSION, f"{detail}; the paste shows {package} {have}", values=values
            )
        return Candidate("version", OUTDATED_ENTRY, UNKNOWN_VERSION, detail, values=values)
    return None


def load_table() -> dict[str, Any]:
    """The shipped version table (package data; json only), or {} when absent."""
    import json

    from peft_why.kb.paths import data_file

    path = data_file("versions.json")
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data
