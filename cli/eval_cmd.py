"""``peft-why eval DIR``: how well the matcher does on a labelled set (``matcher.evaluate``, ``matcher.crossval``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from .errors import PeftWhyError
from .eval_render import render_cv, render_plain

# Cases dev001-dev027 were looked at while the matcher was tuned; later ones were not.
DEFAULT_SPLIT = "dev027"


def load_report(path: Path) -> dict[str, Any]:
    """A saved ``peft-why eval --json`` run (not ``--cv``). Raises ``ValueError`` with a one-line reason."""
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read {path}: {exc}") from None
    if not isinstance(report, dict) or "outcomes" not in report or "variants" not in report:
        raise ValueError(f"{path}: not a saved `peft-why eval --json` run (no outcomes)")
    return report


@click.command("eval")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="One JSON object with fixed field names.")
@click.option(
    "--split",
    default=DEFAULT_SPLIT,
    show_default=True,
    help="Last case id of the part the matcher was tuned on (reported apart from the fresh rest); 'none': no split.",
)
@click.option("--tail-map", type=click.Path(dir_okay=False), help="Tail class -> entry map [kb/data/tail-map.yaml].")
@click.option("--cv", is_flag=True, help="Cross-validate the fitted constants (weights, lines, calibration).")
@click.option("--folds", default=5, show_default=True, help="CV folds, stratified by label; 0 = leave-one-out.")
@click.option("--seed", default=0, show_default=True, help="Seed of the CV fold assignment.")
@click.option("--no-floor", is_flag=True, help="Skip the floor row (plain MiniLM search; loads the model).")
@click.option(
    "--against", type=click.Path(exists=True, dir_okay=False), help="Compare case by case with a saved --json run."
)
def eval_command(
    folder: str,
    as_json: bool,
    split: str,
    tail_map: str | None,
    cv: bool,
    folds: int,
    seed: int,
    no_floor: bool,
    against: str | None,
) -> None:
    """Score the matcher on FOLDER/labels.yaml + FOLDER/cases/*.txt (labels: entry id, `none`, `tail:<class>`)."""
    from peft_why.matcher.crossval import FitError, evaluate_cv
    from peft_why.matcher.evaluate import compare, evaluate, load_cases, load_tail_map
    from peft_why.matcher.floor import floor_encoder

    try:
        cases = load_cases(Path(folder))
        tails = load_tail_map(Path(tail_map) if tail_map else None)
        before = load_report(Path(against)) if against else None
    except ValueError as exc:
        raise PeftWhyError(str(exc)) from None
    split_at = None if split.lower() == "none" else split
    if cv:
        try:
            report = evaluate_cv(cases, tail_map=tails, split=split_at, folds=folds, seed=seed)
        except FitError as exc:  # a KB whose own examples no weights keep first: nothing to fit
            raise PeftWhyError(f"cannot fit: {exc}") from None
    else:
        encode, note = (None, "--no-floor") if no_floor else floor_encoder()
        report = {**evaluate(cases, tail_map=tails, split=split_at, floor_encode=encode), "floor_note": note}
        if before is not None:
            report["against"] = {"file": against, **compare(before, report)}
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False))
    else:
        click.echo("\n".join(render_cv(report) if cv else render_plain(report)))
