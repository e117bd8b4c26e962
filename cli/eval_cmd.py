"""``peft-why eval DIR``: how well the matcher does on a labelled set (see ``matcher.evaluate``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click


class EvalError(click.ClickException):
    """Unreadable labels or cases: exit code 2, one line."""

    exit_code = 2


def _cell(metric: dict[str, Any]) -> str:
    if metric["ratio"] is None:
        return f"{'-':>16}"
    n = metric["n"] if isinstance(metric["n"], int) else f"{metric['n']:.1f}"
    return f"{n}/{metric['of']} {metric['ratio']:.3f}".rjust(16)


@click.command("eval")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="One JSON object with fixed field names.")
def eval_command(folder: str, as_json: bool) -> None:
    """Score the matcher on FOLDER/labels.yaml + FOLDER/cases/*.txt (label `none` = should abstain)."""
    from peft_why.matcher.evaluate import evaluate, load_cases

    try:
        cases = load_cases(Path(folder))
    except ValueError as exc:
        raise EvalError(str(exc)) from None
    report = evaluate(cases)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False))
        return
    click.echo(f"{report['cases']} cases: {report['labelled']} labelled, {report['none']} none")
    if report["unknown_labels"]:
        click.echo(f"labels not in the KB: {', '.join(report['unknown_labels'])}")
    click.echo(f"{'':<10}{'top-1':>16}{'top-3':>16}{'MRR':>16}{'abstention':>16}")
    for name, metrics in [("fused", report["fused"]), *report["stages"].items()]:
        cells = "".join(_cell(metrics[key]) for key in ("top1", "top3", "mrr", "abstention"))
        click.echo(f"{name:<10}{cells}")
    click.echo("\nreliability (fused top-1 score -> accuracy)")
    for row in report["reliability"]:
        accuracy = "-" if row["accuracy"] is None else f"{row['correct']}/{row['n']} {row['accuracy']:.2f}"
        click.echo(f"  {row['bucket']:<9} {accuracy}")
    if report["fused"]["misses"]:
        click.echo("\nmisses")
        for miss in report["fused"]["misses"]:
            click.echo(f"  {miss['case']:<16} want {miss['label']:<36} got {', '.join(miss['got']) or '(abstained)'}")
