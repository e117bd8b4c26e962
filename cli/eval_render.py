"""Text tables for ``peft-why eval``: the report dicts of ``matcher.evaluate`` / ``matcher.crossval`` as lines.

Every count is printed as ``k/n pct% [lo-hi]`` with its 95% Wilson interval in percent:
the groups are small and a bare ratio would overstate what they show.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

COLUMNS: tuple[tuple[str, str], ...] = (
    ("top1", "top-1"),
    ("top3", "top-3"),
    ("mrr", "MRR"),
    ("abstain_ok", "abstain ok"),
    ("false_abstain", "false abstain"),
    ("right", "right"),
    ("wrong_high", "wrong@high"),
    ("high_precision", "P(high)"),
)
LEGEND = (
    "cells: k/n pct% [95% Wilson interval]. top-1, top-3, MRR, false abstain: over cases an entry should win;"
    " abstain ok: over tail + none cases (none: abstained; tail: abstained or its new entry first);"
    " right: case handled right (entry first, or abstained where due);"
    " wrong@high: wrong answers at 'high' over all cases; P(high): precision of 'high' answers."
)
CELL = 21


def cell(metric: dict[str, Any]) -> str:
    """One metric, right-aligned: ``k/n pct% [lo-hi]``, MRR as a plain mean, ``-`` for an empty slice."""
    if metric["ratio"] is None:
        return "-".rjust(CELL)
    if metric["ci95"] is None:
        return f"{metric['ratio']:.3f}".rjust(CELL)
    low, high = metric["ci95"]
    text = f"{metric['n']}/{metric['of']} {metric['ratio'] * 100:3.0f}% [{low * 100:.0f}-{high * 100:.0f}]"
    return text.rjust(CELL)


def table(rows: Sequence[dict[str, Any]], label: Callable[[dict[str, Any]], str], width: int = 32) -> list[str]:
    """A header and one line per row: the label, the case count, then the metric cells."""
    head = f"{'':<{width}}{'n':>4}" + "".join(name.rjust(CELL) for _key, name in COLUMNS)
    return [head] + [f"{label(r):<{width}}{r['cases']:>4}" + "".join(cell(r[k]) for k, _n in COLUMNS) for r in rows]


def pick(rows: Sequence[dict[str, Any]], by: str) -> list[dict[str, Any]]:
    """The rows sliced by ``by`` (plus each part's all-cases row when ``by`` is ``group``)."""
    return [r for r in rows if r["by"] == by or (by == "group" and r["by"] == "all")]


def part_label(report: dict[str, Any], part: str) -> str:
    """``fresh dev028-dev091`` from the report's parts."""
    info = report["parts"].get(part)
    return f"{part} {info['first']}-{info['last']}" if info and part != "all" else part


def header(report: dict[str, Any]) -> list[str]:
    """The data set's shape: size, split, groups, tail classes and how they map."""
    ordered = sorted(report["parts"].items(), key=lambda item: item[0] != "tuned")
    parts = ", ".join(f"{part_label(report, p)} ({info['cases']})" for p, info in ordered)
    groups = ", ".join(f"{name} {n}" for name, n in report["groups"].items())
    lines = [f"{report['cases']} cases; split at {report['split'] or '-'}: {parts}; {groups}"]
    unmapped = [name for name, entry in report["tail_classes"].items() if entry is None]
    mapped = [f"{name} -> {entry}" for name, entry in report["tail_classes"].items() if entry is not None]
    lines.append(f"tail classes with no entry (right = abstain): {len(unmapped)}: {', '.join(unmapped) or '-'}")
    lines.append(f"tail classes mapped to an entry: {', '.join(mapped) or '-'}")
    for key, what in (("unknown_labels", "labels not in the KB"), ("tail_map_unknown", "tail map names unknown ids")):
        if report[key]:
            lines.append(f"{what}: {', '.join(report[key])}")
    return [*lines, LEGEND]


def sliced(report: dict[str, Any], rows: Sequence[dict[str, Any]], title: str) -> list[str]:
    """By group, by kind, by language: one table each, parts one under another."""
    out: list[str] = []
    for by in ("group", "kind", "lang"):
        out += ["", f"{title}, by {by}"]
        out += table(pick(rows, by), lambda r: f"{part_label(report, r['part'])}  {r['value']}")
    return out


def reliability_lines(rows: Sequence[dict[str, Any]], title: str) -> list[str]:
    """Score bin -> right / answered, with the bin's mean score."""
    out = ["", title]
    for row in rows:
        mean = "-" if row["mean_score"] is None else f"mean {row['mean_score']:.2f}"
        out.append(f"  {row['bucket']:<9}{cell(row['right'])}  {mean}")
    return out


def render_plain(report: dict[str, Any]) -> list[str]:
    """Production fused (sliced), the variants, the floor by kind, reliability, misses."""
    variants = report["variants"]
    out = header(report)
    if report["cache_mismatch"]:
        out.append(
            "WARNING: cached stage scores disagree with diagnose.paste_diagnosis on "
            + ", ".join(report["cache_mismatch"])
        )
    out += sliced(report, variants[0]["rows"], "fused (production)")
    out += ["", "variants: a stage alone (own scores, no calibration); -stage: fused without it; floor: MiniLM search"]
    overall = [{**r, "variant": v["name"]} for v in variants for r in v["rows"] if r["by"] == "all"]
    out += table(overall, lambda r: f"{r['variant']:<10}{part_label(report, r['part'])}")
    floor = [v for v in variants if v["kind"] == "floor"]
    if floor:
        out += ["", "floor (plain MiniLM cosine over title + root_cause + fix; no abstention), by kind"]
        out += table(pick(floor[0]["rows"], "kind"), lambda r: f"{part_label(report, r['part'])}  {r['value']}")
    elif report.get("floor_note"):
        out.append(f"floor row skipped: {report['floor_note']}")
    out += reliability_lines(report["reliability"], "reliability (fused top-1 score before abstention -> right)")
    out += source_lines(report.get("source_answers", {}))
    if "against" in report:
        out += against_lines(report["against"])
    out += ["", "misses (stage tops: what each stage alone put first; . = the target, - = nothing)"]
    for miss in report["misses"]:
        got = ", ".join(f"{g['id']} {g['score']:.2f}" for g in miss["got"][:2]) or "(abstained)"
        tops = " ".join(f"{s[:3]}:{stage_top(t, miss['target'])}" for s, t in miss["stage_top1"].items())
        facets = f"{miss['part']:<5} {miss['group']:<5} {miss['kind']:<10} {miss['lang']}"
        out.append(f"  {miss['case']:<8} {facets}  want {miss['target'] or 'abstain'}  got {got}  [{tops}]")
    return out


def source_lines(counts: dict[str, dict[str, int]]) -> list[str]:
    """Answers from the source per group: an abstention for the scores above, counted here on their own."""
    if not counts:
        return []
    out = ["", "answers from the source (not in matches: scored above as abstentions)"]
    for group, row in counts.items():
        out.append(
            f"  {group:<6}{row['source_answer']:>3} of {row['cases']:>3} cases got one;"
            f" {row['right_raise_site']} name the raise site of the error line itself"
        )
    return out


def against_lines(diff: dict[str, Any]) -> list[str]:
    """Fixed / broken / moved cases against a saved run, and the change of each count by part."""
    out = ["", f"against {diff['file']}"]
    for key in ("fixed", "broken"):
        out.append(f"  {key:<7}{len(diff[key]):>3}: {', '.join(diff[key]) or '-'}")
    moved = ", ".join(f"{m['case']} {m['before'] or '-'} -> {m['after'] or '-'}" for m in diff["moved"])
    out.append(f"  moved  {len(diff['moved']):>3}: {moved or '-'}  (wrong both times, another answer; - = abstained)")
    for key in ("only_before", "only_after"):
        if diff[key]:
            out.append(f"  {key}: {', '.join(diff[key])}")
    for part, change in diff["delta"].items():
        shown = ", ".join(f"{k} {v:+g}" for k, v in change.items() if v)
        out.append(f"  {part:<6} change: {shown or 'none'}")
    return out


def stage_top(top: str | None, target: str | None) -> str:
    """A stage's top-1 in a miss line: ``.`` when it is the target, ``-`` when the stage found nothing."""
    if top is None:
        return "-"
    return "." if top == target else top


def model_line(name: str, model: dict[str, Any]) -> str:
    """One fitted (or production) setting on a line."""
    weights = " ".join(f"{s[:3]} {model['weights'][s]:.2f}" for s in ("lexical", "fuzzy", "symptom", "semantic"))
    a, b = model["calibration"]
    high = "never" if model["high_raw"] is None else f"raw {model['high_raw']:.2f} = {model['high_from']:.3f}"
    abstain = f"raw {model['abstain_raw']:.2f} = {model['abstain_below']:.3f}"
    return f"  {name:<12} {weights}  Platt A {a:.3f} B {b:.3f}  abstain below {abstain}  high from {high}"


def render_cv(report: dict[str, Any]) -> list[str]:
    """The cross-validated table, its reliability, each fold's fit, the fit on all cases beside production's."""
    cv = report["cv"]
    out = header(report)
    how = f", stratified by {cv['stratified_by']}, seed {cv['seed']}" if cv["stratified_by"] else ""
    title = f"cross-validated ({cv['scheme']}{how})"
    out += sliced(report, cv["rows"], title)
    out += reliability_lines(cv["reliability"], "reliability (CV-calibrated top-1 score before abstention -> right)")
    out += ["", "fits (weights: lexical fuzzy symptom semantic; lines as raw = calibrated)"]
    out += [model_line(f"fold {f['fold']}", f) for f in cv["folds"][:10]]
    if len(cv["folds"]) > 10:
        out.append(f"  ... {len(cv['folds']) - 10} more folds (--json)")
    out.append(model_line("all cases", cv["fit_all"]))
    out.append(model_line("production", cv["production"]))
    out += ["", "fit on all cases, scored in sample (optimistic; for comparison only)"]
    out += table([{**cv["fit_all"]["in_sample"]}], lambda _r: "all cases")
    return out
