"""Measure the matcher on a labelled set: ``DIR/labels.yaml`` + ``DIR/cases/<case>.txt``.

``labels.yaml`` is a list of ``{case, label, kind, lang, ...}`` (other keys ignored).
A label is a KB id (that entry should rank first), ``none`` (not a PEFT problem:
right = abstain) or ``tail:<class>`` (a real PEFT failure no entry covers yet). The
tail map (``kb/data/tail-map.yaml``) names the entry that now covers a tail class: such a
case counts as known for that entry; an unmapped tail case is right only when the
matcher abstains. Cases are grouped known / tail / none, split at a declared case id
into the part the matcher was tuned on and the fresh part, and sliced by kind and language.

Every stage's candidates are computed once per case (``stage_cache``); the variants
(each stage alone, the fused matcher minus one stage, cross-validated fits in
``crossval``) are re-fused from that cache. The production ranking itself comes from
``diagnose.paste_diagnosis``, the path users run (the catalogue path included), and the cache
is checked against it. Installed package versions are never consulted: only what the pastes themselves reveal.

JSON (``peft-why eval --json``), fields in this order: ``cases``, ``split``, ``parts``
(part -> cases, first, last), ``groups``, ``unknown_labels``, ``tail_classes`` (class ->
entry or null), ``tail_map_unknown``, ``cache_mismatch`` (cases where the cache disagrees with
``rank``: should be empty), ``variants`` (each ``{name, kind: fused|alone|minus|floor, stages,
rows}``; a row is ``{part, by, value, cases}`` plus the metrics of ``metrics.summarise``),
``reliability``, ``misses``, ``outcomes`` (each case's production answer, for ``compare``) and
``source_answers`` (per group: cases, cases with an answer from the source, right raise sites; a
source answer is an abstention for the curated scores).
``--cv`` replaces the last five with ``cv`` (``crossval``).
"""

from __future__ import annotations

from collections.abc import Callable, Container, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .diagnose import (
    SETTLED_AT,
    get_prepared,
    get_vectors,
    paste_diagnosis,
    source_lookup,
    stage_candidates,
    with_sources,
)
from .fuse import ABSTAIN_BELOW, CALIBRATION, DEFAULT_WEIGHTS, HIGH, IDENTITY, fuse
from .index import KbIndex
from .metrics import Facets, Outcome, natural_key, part_of, reliability, slice_rows
from .parse import parse
from .prepared import Prepared, as_prepared
from .types import STAGES, Candidate, Diagnosis

if TYPE_CHECKING:
    from .semantic import VectorIndex
    from .source import SourceFinding

NONE = "none"
TAIL_PREFIX = "tail:"
TAIL_MAP_NAME = "tail-map.yaml"


@dataclass(frozen=True)
class Case:
    """One labelled paste."""

    case: str
    label: str
    text: str
    kind: str = "unknown"  # traceback | error-line | symptom
    lang: str = "unknown"  # en | zh
    source: str = ""  # the public thread it came from: cross-validation keeps a thread's cases in one fold


def load_cases(folder: Path) -> list[Case]:
    """Read ``labels.yaml`` and the case texts. Raises ``ValueError`` with a one-line reason."""
    import yaml

    labels_path = folder / "labels.yaml"
    try:
        rows = yaml.safe_load(labels_path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"cannot read {labels_path}: {exc}") from None
    if not isinstance(rows, list):
        raise ValueError(f"{labels_path}: expected a list of {{case, label}} mappings")
    cases: list[Case] = []
    for number, row in enumerate(rows):
        if not isinstance(row, dict) or "case" not in row or "label" not in row:
            raise ValueError(f"{labels_path}: item {number} lacks 'case' or 'label'")
        path = folder / "cases" / f"{row['case']}.txt"
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise ValueError(f"cannot read {path}: {exc.strerror}") from None
        kind, lang = str(row.get("kind", "unknown")), str(row.get("lang", "unknown"))
        cases.append(Case(str(row["case"]), str(row["label"]), text, kind, lang, str(row.get("source") or "")))
    return cases


def default_tail_map_path() -> Path:
    """``kb/data/tail-map.yaml`` of the installed KB, found without importing ``kb.loader``."""
    from peft_why.kb.paths import data_file

    return data_file(TAIL_MAP_NAME)


def load_tail_map(path: Path | None = None) -> dict[str, str | None]:
    """Tail class -> the entry id that now covers it (None: known class, no entry yet).

    Raises ``ValueError`` with a one-line reason when the file is unreadable or not such a mapping.
    """
    import yaml

    path = path or default_tail_map_path()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"cannot read {path}: {exc}") from None
    data = {} if data is None else data
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of tail class -> entry id")
    out: dict[str, str | None] = {}
    for name, entry_id in data.items():
        name = str(name).removeprefix(TAIL_PREFIX)
        if entry_id is not None and not isinstance(entry_id, str):
            raise ValueError(f"{path}: {name}: expected an entry id or null, got {entry_id!r}")
        out[name] = entry_id
    return out


def target_of(label: str, tail_map: Mapping[str, str | None], entries: Container[str]) -> str | None:
    """The entry that should rank first for ``label``, or None when the right answer is to abstain.

    A tail class counts as known only once the entry it maps to is in the KB being measured,
    so a map written ahead of its entry changes nothing until the entry lands.
    """
    if label == NONE:
        return None
    if label.startswith(TAIL_PREFIX):
        mapped = tail_map.get(label.removeprefix(TAIL_PREFIX))
        return mapped if mapped is not None and mapped in entries else None
    return label


def group_of(label: str, target: str | None) -> str:
    """``none``, ``tail`` (a tail class, covered by an entry or not) or ``known`` (a KB entry should rank first).

    A tail case stays in its own group once an entry covers it: the issue's rule for it is
    "abstain, or the new entry ranked first", and its figures are reported apart from the
    failures the KB knew when the case was labelled. ``target`` does not decide the group.
    """
    del target
    if label == NONE:
        return "none"
    return "tail" if label.startswith(TAIL_PREFIX) else "known"


@dataclass(frozen=True)
class CachedCase:
    """A case, what is right for it, and every stage's candidates computed once."""

    case: Case
    facets: Facets
    target: str | None
    # Every stage, semantic included even where a regex hit settles the paste (``restrict`` drops it).
    found: Mapping[str, Sequence[Candidate]]
    # Answers from the source (no curated pattern fired and the paste shows a catalogued message).
    sources: tuple[SourceFinding, ...] = ()
    answers_error: bool = False  # a source answer sits on the error line (similarity alone then names nothing)
    right_site: bool = False  # the paste's own final error line holds the first answer's message


def stage_cache(
    cases: Sequence[Case],
    index: KbIndex | Prepared,
    *,
    tail_map: Mapping[str, str | None],
    split: str | None,
    vectors: Callable[[], VectorIndex | None] | None,
) -> list[CachedCase]:
    """Parse each case and run every stage on it once."""
    prepared = as_prepared(index)  # once, not once per case
    cached: list[CachedCase] = []
    for case in cases:
        trace = parse(case.text)
        found = stage_candidates(trace, prepared, stages=STAGES, vectors=vectors)
        if "semantic" not in found:
            alone = stage_candidates(trace, prepared, stages=("semantic",), vectors=vectors)
            found = {**found, **alone}
        target = target_of(case.label, tail_map, prepared.entries)
        facets = Facets(part_of(case.case, split), group_of(case.label, target), case.kind, case.lang)
        sources = tuple(source_lookup(trace, index, found))
        answers_error, right_site = False, False
        if sources:
            from .source import answers_the_error, raised_on_final_line

            answers_error = answers_the_error(sources, trace)
            shown = [f for f in sources if f.shown]
            right_site = bool(shown) and raised_on_final_line(shown[0].answer, trace)
        cached.append(CachedCase(case, facets, target, found, sources, answers_error, right_site))
    return cached


def prepare(
    cases: Sequence[Case],
    *,
    index: KbIndex | Prepared | None,
    vectors: Callable[[], VectorIndex | None] | None,
    tail_map: Mapping[str, str | None] | None,
    split: str | None,
) -> tuple[Prepared, Callable[[], VectorIndex | None] | None, Mapping[str, str | None], list[CachedCase]]:
    """The KB in effect and its vectors (unless an index is given), the tail map (unless given), the stage cache."""
    if index is None:
        prepared = get_prepared()
        vectors = vectors or (lambda: get_vectors())
    else:
        prepared = as_prepared(index)
    tail_map = load_tail_map() if tail_map is None else tail_map
    return prepared, vectors, tail_map, stage_cache(cases, prepared, tail_map=tail_map, split=split, vectors=vectors)


def restrict(found: Mapping[str, Sequence[Candidate]], stages: Sequence[str]) -> dict[str, Sequence[Candidate]]:
    """What ``diagnose.stage_candidates(stages=...)`` returns, taken from a full cache.

    Mirrors its one shortcut: a regex hit at ``SETTLED_AT`` skips the semantic stage
    unless that stage is the only one asked for.
    """
    chosen = {stage: found[stage] for stage in stages if stage in found}
    settled = any(c.score >= SETTLED_AT for c in chosen.get("regex", ()))
    if "semantic" in chosen and settled and len(stages) > 1:
        del chosen["semantic"]
    return chosen


@dataclass(frozen=True)
class Setting:
    """What turns stage candidates into answers: the stages, their weights, calibration and the two lines.

    ``threshold`` (abstain below) and ``high`` are on the calibrated score, like ``fuse``'s.
    """

    stages: tuple[str, ...] = STAGES
    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    calibration: tuple[float, float] = CALIBRATION
    threshold: float = ABSTAIN_BELOW
    high: float = HIGH


PRODUCTION = Setting()


def alone(stage: str) -> Setting:
    """A stage alone: its own (weighted) scores, no calibration, abstaining only when it finds nothing."""
    return Setting(stages=(stage,), calibration=IDENTITY, threshold=1e-9)


def without(stage: str) -> Setting:
    """The production matcher with one stage removed (weights, calibration and lines unchanged)."""
    return Setting(stages=tuple(s for s in STAGES if s != stage))


def outcome_of(cached: CachedCase, answers: Sequence[Diagnosis], high: float) -> Outcome:
    """The outcome of a ranked answer list; "high" when the top score reaches ``high``."""
    top = answers[0].score if answers else None
    return Outcome(
        cached.case.case,
        cached.facets.group,
        cached.target,
        tuple(d.id for d in answers),
        top,
        top is not None and top >= high,
    )


def answer(cached: CachedCase, setting: Setting, entries: Mapping[str, Any]) -> list[Diagnosis]:
    """The ranked answers under ``setting`` (after abstention)."""
    found = restrict(cached.found, setting.stages)
    if with_catalogue(cached, setting):
        return with_sources(
            found,
            cached.sources,
            cached.answers_error,
            entries,
            weights=setting.weights,
            threshold=setting.threshold,
            calibration=setting.calibration,
        )
    return fuse(found, entries, setting.weights, threshold=setting.threshold, calibration=setting.calibration)


def with_catalogue(cached: CachedCase, setting: Setting) -> bool:
    """Whether the catalogue path applies: the production matcher and its minus-one variants, as
    ``diagnose`` does (a stage alone is measured alone)."""
    return bool(cached.sources) and "regex" in setting.stages and len(setting.stages) > 1


def top_before_abstention(
    cached: CachedCase, setting: Setting, entries: Mapping[str, Any]
) -> tuple[float, bool] | None:
    """The top-1 score with no abstention line and whether it is right (the reliability table's input)."""
    found = restrict(cached.found, setting.stages)
    if with_catalogue(cached, setting):
        ranked = with_sources(
            found,
            cached.sources,
            cached.answers_error,
            entries,
            weights=setting.weights,
            threshold=0.0,
            calibration=setting.calibration,
        )
    else:
        ranked = fuse(found, entries, setting.weights, threshold=0.0, calibration=setting.calibration)
    if not ranked:
        return None
    return ranked[0].score, cached.target is not None and ranked[0].id == cached.target


def variant_report(
    name: str, kind: str, cache: Sequence[CachedCase], outcomes: Sequence[Outcome], **extra: Any
) -> dict[str, Any]:
    """One variant's sliced table, with fixed fields."""
    return {"name": name, "kind": kind, **extra, "rows": slice_rows([c.facets for c in cache], outcomes)}


def misses(
    cache: Sequence[CachedCase], fused: Sequence[list[Diagnosis]], entries: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Each case the production matcher gets wrong, with what each stage alone put first."""
    out: list[dict[str, Any]] = []
    for cached, answers in zip(cache, fused):
        if outcome_of(cached, answers, HIGH).right:
            continue
        stage_top = {}
        for stage in STAGES:
            ranked = answer(cached, alone(stage), entries)
            stage_top[stage] = ranked[0].id if ranked else None
        out.append(
            {
                "case": cached.case.case,
                "label": cached.case.label,
                "target": cached.target,
                "part": cached.facets.part,
                "group": cached.facets.group,
                "kind": cached.facets.kind,
                "lang": cached.facets.lang,
                "got": [{"id": d.id, "score": round(d.score, 4), "confidence": d.confidence} for d in answers[:3]],
                "stage_top1": stage_top,
            }
        )
    return out


def evaluate(
    cases: Sequence[Case],
    *,
    index: KbIndex | None = None,
    vectors: Callable[[], VectorIndex | None] | None = None,
    tail_map: Mapping[str, str | None] | None = None,
    split: str | None = None,
    floor_encode: Callable[[Sequence[str]], Any] | None = None,
) -> dict[str, Any]:
    """The full report: production fused, each stage alone, fused minus each stage, the floor, reliability, misses.

    JSON-ready with fixed field names. ``split`` is the last case id of the tuned part
    (None: no split). ``floor_encode`` is the MiniLM encoder for the floor row (None: no floor row).
    """
    prepared, vectors, tail_map, cache = prepare(cases, index=index, vectors=vectors, tail_map=tail_map, split=split)
    entries = prepared.entries
    # The production answers come from the path users run; the cache must reproduce them.
    fused = [list(paste_diagnosis(parse(c.case.text), prepared, vectors=vectors).diagnoses) for c in cache]
    mismatch = [
        c.case.case
        for c, answers in zip(cache, fused)
        if [(d.id, round(d.score, 9)) for d in answers]
        != [(d.id, round(d.score, 9)) for d in answer(c, PRODUCTION, entries)]
    ]
    fused_outcomes = [outcome_of(c, answers, HIGH) for c, answers in zip(cache, fused)]
    variants = [variant_report("fused", "fused", cache, fused_outcomes, stages=list(STAGES))]
    for stage in STAGES:
        outcomes = [outcome_of(c, answer(c, alone(stage), entries), HIGH) for c in cache]
        variants.append(variant_report(stage, "alone", cache, outcomes, stages=[stage]))
    for stage in STAGES:
        setting = without(stage)
        outcomes = [outcome_of(c, answer(c, setting, entries), HIGH) for c in cache]
        variants.append(variant_report(f"-{stage}", "minus", cache, outcomes, stages=list(setting.stages)))
    if floor_encode is not None:
        from .floor import floor_outcomes

        outcomes = floor_outcomes(cache, entries, floor_encode)
        variants.append(variant_report("floor", "floor", cache, outcomes, stages=[]))
    tops = [top_before_abstention(c, PRODUCTION, entries) for c in cache]
    return {
        **describe(cache, cases, tail_map, entries, split),
        "cache_mismatch": mismatch,
        "variants": variants,
        "reliability": reliability([t for t in tops if t is not None]),
        "misses": misses(cache, fused, entries),
        "outcomes": [case_row(c, o) for c, o in zip(cache, fused_outcomes)],
        "source_answers": source_summary(cache),
    }


def source_summary(cache: Sequence[CachedCase]) -> dict[str, dict[str, int]]:
    """Per group (known / tail / none): cases, how many got an answer from the source, and how many of
    those name the right raise site (the case's own final error line holds the message's text).

    For curated scoring a source answer is an abstention (it is not in ``matches``); this is its own count.
    """
    out: dict[str, dict[str, int]] = {}
    for group in ("known", "tail", "none"):
        rows = [c for c in cache if c.facets.group == group]
        out[group] = {
            "cases": len(rows),
            "source_answer": sum(1 for c in rows if any(f.shown for f in c.sources)),
            "right_raise_site": sum(1 for c in rows if c.right_site),
        }
    return out


def case_row(cached: CachedCase, outcome: Outcome) -> dict[str, Any]:
    """One case's production outcome, for comparing two runs case by case (``compare``)."""
    row = {
        "case": cached.case.case,
        "part": cached.facets.part,
        "group": cached.facets.group,
        "target": cached.target,
        "top": outcome.ranked[0] if outcome.ranked else None,
        "score": None if outcome.score is None else round(outcome.score, 4),
        "high": outcome.high,
        "right": outcome.right,
    }
    shown = [f.answer.id for f in cached.sources if f.shown]
    row["source"] = shown[0] if shown else None
    return row


def compare(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """What changed between two ``evaluate`` reports of the same cases: the regression check of a redesign.

    ``fixed`` / ``broken``: cases that became right / wrong; ``moved``: still wrong, another top answer;
    ``only_before`` / ``only_after``: cases present in one run only; ``delta``: each count metric of
    the fused all-cases row of every part (after minus before).
    """
    old = {row["case"]: row for row in before["outcomes"]}
    new = {row["case"]: row for row in after["outcomes"]}
    common = [case for case in new if case in old]
    delta: dict[str, dict[str, Any]] = {}
    old_rows = {r["part"]: r for r in before["variants"][0]["rows"] if r["by"] == "all"}
    for row in (r for r in after["variants"][0]["rows"] if r["by"] == "all"):
        if row["part"] in old_rows:
            then = old_rows[row["part"]]
            delta[row["part"]] = {k: round(row[k]["n"] - then[k]["n"], 4) for k in row if isinstance(row[k], dict)}
    return {
        "fixed": [c for c in common if new[c]["right"] and not old[c]["right"]],
        "broken": [c for c in common if old[c]["right"] and not new[c]["right"]],
        "moved": [
            {"case": c, "before": old[c]["top"], "after": new[c]["top"]}
            for c in common
            if not old[c]["right"] and not new[c]["right"] and old[c]["top"] != new[c]["top"]
        ],
        "only_before": sorted(set(old) - set(new)),
        "only_after": sorted(set(new) - set(old)),
        "delta": delta,
    }


def describe(
    cache: Sequence[CachedCase],
    cases: Sequence[Case],
    tail_map: Mapping[str, str | None],
    entries: Mapping[str, Any],
    split: str | None,
) -> dict[str, Any]:
    """The data set's shape: counts per group and part, labels the KB lacks, how tail classes map."""
    tails = sorted({c.label.removeprefix(TAIL_PREFIX) for c in cases if c.label.startswith(TAIL_PREFIX)})
    known = {None, *entries}
    parts: dict[str, list[str]] = {}
    for cached in cache:
        parts.setdefault(cached.facets.part, []).append(cached.case.case)
    return {
        "cases": len(cases),
        "split": split,
        "parts": {
            part: {"cases": len(ids), "first": min(ids, key=natural_key), "last": max(ids, key=natural_key)}
            for part, ids in sorted(parts.items())
        },
        "groups": {group: sum(1 for c in cache if c.facets.group == group) for group in ("known", "tail", "none")},
        "unknown_labels": sorted({c.label for c in cases if target_of(c.label, tail_map, entries) not in known}),
        "tail_classes": {name: target_of(TAIL_PREFIX + name, tail_map, entries) for name in tails},
        "tail_map_unknown": sorted(f"{name}: {id_}" for name, id_ in tail_map.items() if id_ not in known),
    }
