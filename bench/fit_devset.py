"""Fit the fusion's similarity weights, Platt calibration and abstention line on real labelled pastes,
cross-validated: stratified grouped 5-fold (groups = source thread, strata = known / tail / none), seed 0.

Usage: python bench/fit_devset.py DEVSET_DIR [--without STAGE] [--json OUT]

``--without STAGE`` drops one stage's evidence before fitting: the cross-validated
fused-minus-stage figure is the difference between a plain run and this one.

Prints the cross-validated figures (every case scored by parameters fitted without its fold),
per group (dev001-027 / dev028-091; known, symptom, zh, tail, none), the reliability table of the
cross-validated scores, and the parameters fitted on all cases (for ``matcher/fuse.py``).
Labels: a KB id; ``none`` should abstain; ``tail:<class>`` should abstain or, once ``kb/data/tail-map.yaml``
maps the class to an entry, rank that entry first (``peft-why eval``'s rule). Nothing here is copied into the KB.

Fitted: ``symptom`` and ``semantic`` weights (grid), Platt ``(A, B)`` on the raw top-1 score (label
smoothing as in bench/calibrate.py), and the abstention line (the calibrated score below which the
matcher is silent), chosen to maximise right answers minus ``WRONG_COST`` x wrong answers on the
training folds. A parameter set is admissible only if every KB ``examples.match`` text still ranks
its entry first above the line (leave-one-out, no semantic stage: as tests/kb/test_entries.py runs
them), so the fit cannot buy devset abstentions with the KB's own tests.
"""

from __future__ import annotations

import itertools
import json
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from peft_why.matcher.diagnose import get_kb, get_vectors, stage_candidates
from peft_why.matcher.evaluate import load_tail_map, target_of
from peft_why.matcher.fuse import COMPANION_BELOW, DEFAULT_WEIGHTS, HIGH, IDENTITY, calibrated, fuse
from peft_why.matcher.parse import parse
from peft_why.matcher.semantic import semantic_candidates
from peft_why.matcher.types import Candidate

FOLDS = 5
SEED = 0
WRONG_COST = 1.0
SYMPTOM_GRID = (0.5, 0.6, 0.7, 0.8, 0.9)
SEMANTIC_GRID = (0.0, 0.2, 0.4)
LEXICAL_GRID = (0.6, 0.75)
FUZZY_GRID = (0.55, 0.7)
LINES = tuple(round(0.15 + 0.05 * i, 2) for i in range(13))  # 0.15 .. 0.75
BUCKETS = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0001)
GENERATOR_VERSION = 1  # bump when what is fitted or how changes (scripts/provenance.py reads it)


@dataclass(frozen=True)
class Row:
    """One labelled paste with its stage candidates (semantic dropped when the regex settles it)."""

    case: str
    label: str
    kind: str
    lang: str
    source: str
    stages: dict[str, list[Candidate]]
    target: str | None = None  # the entry that should rank first (a covered tail class: its entry); None: abstain

    def right(self, found: Sequence[tuple[str, float]]) -> bool:
        """The eval harness's rule: the target first; abstaining where that is right (none, any tail case)."""
        if not found:
            return self.klass != "known"
        return self.target is not None and found[0][0] == self.target

    @property
    def klass(self) -> str:
        return "none" if self.label == "none" else "tail" if self.label.startswith("tail:") else "known"

    @property
    def groups(self) -> list[str]:
        out = [self.klass]
        if self.klass == "known" and self.kind == "symptom":
            out.append("symptom")
        if self.klass == "known" and self.lang == "zh":
            out.append("zh")
        return out

    @property
    def late(self) -> bool:
        return int(self.case[3:]) >= 28


def collect(folder: Path) -> list[Row]:
    _kb, index = get_kb()
    tail_map = load_tail_map()
    rows = []
    for item in yaml.safe_load((folder / "labels.yaml").read_text(encoding="utf-8")):
        text = (folder / "cases" / f"{item['case']}.txt").read_text(encoding="utf-8", errors="replace")
        trace = parse(text)
        found = stage_candidates(trace, index, vectors=get_vectors, versions={})
        vectors = get_vectors()
        # as diagnose_text, a settled paste never pays for the model; else the semantic stage is
        # always collected (stage_candidates skips it while fuse.py gives it no weight)
        if vectors is not None and not any(c.score >= 1.0 for c in found.get("regex", ())):
            found["semantic"] = semantic_candidates(trace, vectors)
        else:
            found.pop("semantic", None)
        target = target_of(item["label"], tail_map, index.entries)
        source = str(item.get("source", ""))
        rows.append(Row(item["case"], item["label"], item["kind"], item["lang"], source, found, target))
    return rows


def folds(rows: Sequence[Row]) -> list[int]:
    """Fold of each row: whole source groups, dealt round-robin within each stratum after a seeded shuffle."""
    rng = random.Random(SEED)
    fold_of_group: dict[str, int] = {}
    for klass in ("known", "tail", "none"):
        groups = sorted({r.source or r.case for r in rows if r.klass == klass} - set(fold_of_group))
        rng.shuffle(groups)
        for number, group in enumerate(groups):
            fold_of_group[group] = number % FOLDS
    return [fold_of_group[r.source or r.case] for r in rows]


def raw_ranked(row: Row, weights: dict[str, float]) -> list[tuple[str, float]]:
    _kb, index = get_kb()
    ranked = fuse(row.stages, index.entries, weights, threshold=0.0, calibration=IDENTITY)
    return [(d.id, d.score) for d in ranked]


def platt(x: np.ndarray, y: np.ndarray, iterations: int = 50) -> tuple[float, float]:
    """p = sigmoid(a x + b) by Newton's method on the log loss, targets smoothed to 0.05 / 0.95.

    The smoothing (as in bench/calibrate.py) keeps a nearly separable fit from becoming a step
    function that claims certainty on ~70 cases; a small ridge keeps the Hessian invertible.
    """
    target = y * 0.9 + 0.05
    design = np.stack([x, np.ones_like(x)], axis=1)
    theta = np.zeros(2)
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(design @ theta)))
        gradient = design.T @ (p - target) + 1e-3 * theta
        hessian = (design * (p * (1 - p))[:, None]).T @ design + 1e-3 * np.eye(2)
        step = np.linalg.solve(hessian, gradient)
        theta -= step
        if float(np.abs(step).max()) < 1e-9:
            break
    return float(theta[0]), float(theta[1])


GRID_NAMES = ("symptom", "semantic", "lexical", "fuzzy")
# Fixed prior for tie-breaks (not the constants in fuse.py, which this script's output replaces).
PRIOR = {"symptom": 0.6, "semantic": 0.4, "lexical": 0.75, "fuzzy": 0.7}
GRID = tuple(itertools.product(SYMPTOM_GRID, SEMANTIC_GRID, LEXICAL_GRID, FUZZY_GRID))
Cache = dict[tuple[str, tuple[float, ...]], list[tuple[str, float]]]


def kb_examples() -> list[tuple[str, dict[str, list[Candidate]]]]:
    """Every KB match example with its stage candidates, its own text left out of the index."""
    from peft_why.kb.loader import load_kb
    from peft_why.matcher.index import build_index

    kb = load_kb(include_env=False)
    index = build_index(kb.active)
    out = []
    for entry in kb.active:
        for number, text in enumerate(entry.examples.match):
            out.append((entry.id, stage_candidates(parse(text), index.without_example(entry.id, number))))
    return out


def kb_floor(examples: Sequence[tuple[str, dict[str, list[Candidate]]]]) -> dict[tuple[float, ...], float]:
    """Per grid point: the lowest raw top-1 score of the KB examples, or -1 if one ranks another entry first."""
    _kb, index = get_kb()
    floors: dict[tuple[float, ...], float] = {}
    for grid in GRID:
        weights = {**DEFAULT_WEIGHTS, **dict(zip(GRID_NAMES, grid))}
        lowest = 1.0
        for entry_id, stages in examples:
            ranked = fuse(stages, index.entries, weights, threshold=0.0, calibration=IDENTITY)
            if not ranked or ranked[0].id != entry_id:
                lowest = -1.0
                break
            lowest = min(lowest, ranked[0].score)
        floors[grid] = lowest
    return floors


FLOORS: dict[tuple[float, ...], float] = {}


def fit(rows: Sequence[Row], cache: Cache) -> dict[str, Any]:
    """Weights, calibration and line that maximise right - WRONG_COST x wrong on ``rows``, KB examples kept."""
    best: tuple[float, ...] | None = None
    chosen: dict[str, Any] = {}
    for grid in GRID:
        if FLOORS and FLOORS[grid] < 0:
            continue
        tops = []
        for row in rows:
            ranked = cache[(row.case, grid)]
            tops.append((ranked[0][1] if ranked else 0.0, bool(ranked) and row.right(ranked)))
        x = np.asarray([s for s, _ok in tops])
        y = np.asarray([1.0 if ok else 0.0 for _s, ok in tops])
        a, b = platt(x, y)
        p = np.clip(1.0 / (1.0 + np.exp(-(a * x + b))), 1e-6, 1 - 1e-6)
        fit_quality = float(np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
        for line in LINES:
            if FLOORS and calibrated(FLOORS[grid], (a, b)) < line:
                continue
            answered = [ok for s, ok in tops if calibrated(s, (a, b)) >= line]
            utility = sum(answered) - WRONG_COST * (len(answered) - sum(answered))
            # ties (utility is a count): the better-calibrated fit, then the weights nearest the prior
            key = (utility, round(fit_quality, 6), -sum(abs(w - PRIOR[n]) for n, w in zip(GRID_NAMES, grid)), line)
            if best is None or key > best:
                best = key
                chosen = {**dict(zip(GRID_NAMES, grid)), "calibration": (a, b), "line": line}
    if not chosen:
        raise SystemExit("no parameter set keeps every KB example first above any line")
    return chosen


def apply(row: Row, params: dict[str, Any], cache: Cache) -> list[tuple[str, float]]:
    """What the matcher answers with these parameters: nothing below the line, runners-up to the companion line."""
    ranked = cache[(row.case, tuple(params[n] for n in GRID_NAMES))]
    scored = [(entry_id, calibrated(raw, params["calibration"])) for entry_id, raw in ranked]
    if not scored or scored[0][1] < params["line"]:
        return []
    return [(entry_id, score) for entry_id, score in scored if score >= min(params["line"], COMPANION_BELOW)]


def table(rows: Sequence[Row], results: Sequence[list[tuple[str, float]]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for late in (False, True):
        part = "dev028-091" if late else "dev001-027"
        stats: dict[str, list[int]] = {}
        for row, found in zip(rows, results):
            if row.late != late:
                continue
            ids = [entry_id for entry_id, _s in found[:3]]
            for group in row.groups:
                s = stats.setdefault(group, [0, 0, 0])
                s[2] += 1
                if row.klass == "known":
                    s[0] += bool(ids) and ids[0] == row.label
                    s[1] += row.label in ids
                else:
                    s[0] += row.right(found)
            wrong_high = bool(found) and not row.right(found) and found[0][1] >= HIGH
            stats.setdefault("wrong-high", [0, 0, 0])
            stats["wrong-high"][0] += wrong_high
            stats["wrong-high"][2] += 1
        out[part] = stats
    return out


def reliability(rows: Sequence[Row], results: Sequence[list[tuple[str, float]]]) -> list[tuple[str, int, int]]:
    out = []
    for low, high in zip(BUCKETS, BUCKETS[1:]):
        inside = [(r, f) for r, f in zip(rows, results) if f and low <= f[0][1] < high]
        out.append((f"{low:.1f}-{min(high, 1.0):.1f}", sum(r.right(f) for r, f in inside), len(inside)))
    return out


def show(title: str, stats: dict[str, Any]) -> None:
    print(f"== {title}")
    for part, groups in stats.items():
        cells = []
        for group in ("known", "symptom", "zh", "tail", "none", "wrong-high"):
            s = groups.get(group, [0, 0, 0])
            if group == "known" or group in ("symptom", "zh"):
                cells.append(f"{group} top1 {s[0]}/{s[2]} top3 {s[1]}/{s[2]}")
            elif group == "wrong-high":
                cells.append(f"wrong@high {s[0]}/{s[2]}")
            else:
                cells.append(f"{group} abstain {s[0]}/{s[2]}")
        print(f"  {part}: " + " | ".join(cells))


def main(argv: Sequence[str]) -> int:
    folder = Path(argv[0])
    options = dict(zip(argv[1::2], argv[2::2]))
    rows = collect(folder)
    if "--without" in options:
        rows = [replace(r, stages={k: v for k, v in r.stages.items() if k != options["--without"]}) for r in rows]
    cache: Cache = {}
    for grid in GRID:
        weights = {**DEFAULT_WEIGHTS, **dict(zip(GRID_NAMES, grid))}
        for row in rows:
            cache[(row.case, grid)] = raw_ranked(row, weights)
    FLOORS.update(kb_floor(kb_examples()))
    print(f"grid points keeping every KB example first: {sum(f >= 0 for f in FLOORS.values())}/{len(FLOORS)}")
    fold_of = folds(rows)
    cv_results: list[list[tuple[str, float]]] = [[] for _ in rows]
    for fold in range(FOLDS):
        train = [r for r, f in zip(rows, fold_of) if f != fold]
        params = fit(train, cache)
        print(f"fold {fold}: {params}")
        for number, (row, f) in enumerate(zip(rows, fold_of)):
            if f == fold:
                cv_results[number] = apply(row, params, cache)
    show("cross-validated (each case scored by parameters fitted without its fold)", table(rows, cv_results))
    print("reliability (cross-validated top-1 score -> right / answered)")
    for bucket, right, n in reliability(rows, cv_results):
        print(f"  {bucket}: {right}/{n}")
    print("cross-validated misses (case, label: answer)")
    for row, found in zip(rows, cv_results):
        wrong = not row.right(found)
        if wrong:
            got = ", ".join(f"{entry_id} {score:.2f}" for entry_id, score in found[:3]) or "(abstained)"
            print(f"  {row.case} {row.kind}/{row.lang} {row.label}: {got}")
    final = fit(rows, cache)
    print(f"fitted on all cases: {final}")
    print(f"CALIBRATION_PROVENANCE = {provenance_header()!r}  # paste into matcher/fuse.py with the constants")
    show("in-sample with the final parameters (optimistic)", table(rows, [apply(r, final, cache) for r in rows]))
    if "--json" in options:
        Path(options["--json"]).write_text(json.dumps({"final": final, "cv": table(rows, cv_results)}, indent=1) + "\n")
    return 0


def provenance_header() -> dict[str, Any]:
    """The header ``matcher/fuse.py`` carries for these constants (scripts/provenance.py, by path)."""
    import importlib.util

    script = Path(__file__).resolve().parents[1] / "scripts" / "provenance.py"
    spec = importlib.util.spec_from_file_location("provenance", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("provenance", module)
    spec.loader.exec_module(module)
    header: dict[str, Any] = module.expected("matcher/fuse.py calibration")
    return header


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
