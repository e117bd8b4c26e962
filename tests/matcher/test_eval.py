"""``peft-why eval``: loading a labelled folder, the metrics, and the CLI's fixed JSON fields."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from peft_why.cli.main import cli
from peft_why.matcher.evaluate import Case, evaluate, load_cases, score_run
from peft_why.matcher.types import Diagnosis

from .helpers import make_entry, make_index


def _d(entry_id: str, score: float = 0.9) -> Diagnosis:
    return Diagnosis(entry_id, entry_id, score, "high")


def _write(folder: Path, labels: str, cases: dict[str, str]) -> Path:
    (folder / "cases").mkdir(parents=True)
    (folder / "labels.yaml").write_text(labels, encoding="utf-8")
    for name, text in cases.items():
        (folder / "cases" / f"{name}.txt").write_text(text, encoding="utf-8")
    return folder


def test_score_run_counts_abstention_on_labelled_case_as_a_miss() -> None:
    cases = [Case("a", "x", ""), Case("b", "y", ""), Case("c", "z", ""), Case("n", "none", "")]
    results = [[_d("x")], [_d("q"), _d("y")], [], []]
    run = score_run(cases, results)
    assert run["top1"] == {"n": 1, "of": 3, "ratio": 0.3333}
    assert run["top3"] == {"n": 2, "of": 3, "ratio": 0.6667}
    assert run["mrr"]["n"] == pytest.approx(1.5)
    assert run["abstention"] == {"n": 1, "of": 1, "ratio": 1.0}
    assert {m["case"] for m in run["misses"]} == {"b", "c"}


def test_load_cases_reads_labels_and_ignores_extra_keys(tmp_path: Path) -> None:
    folder = _write(tmp_path / "set", "- {case: c1, label: x, source: somewhere}\n", {"c1": "ValueError: boom"})
    assert load_cases(folder) == [Case("c1", "x", "ValueError: boom")]


def test_load_cases_names_the_missing_case_file(tmp_path: Path) -> None:
    folder = _write(tmp_path / "set", "- {case: gone, label: x}\n", {})
    with pytest.raises(ValueError, match=r"gone\.txt"):
        load_cases(folder)


def test_evaluate_reports_fused_stages_and_reliability() -> None:
    index = make_index(
        make_entry("boom-error", "boom happened", regex="boom happened", examples=["ValueError: boom happened"]),
        make_entry("other-error", "quite different failure", aliases=["nothing alike"]),
    )
    cases = [Case("c1", "boom-error", "ValueError: boom happened"), Case("c2", "none", "a cake recipe")]
    report = evaluate(cases, index=index, vectors=None)
    assert report["fused"]["top1"]["ratio"] == 1.0
    assert report["fused"]["abstention"]["ratio"] == 1.0
    assert set(report["stages"]) == {"regex", "lexical", "fuzzy", "symptom", "semantic", "version"}
    assert report["stages"]["semantic"]["top1"]["n"] == 0  # no vectors given: the stage contributes nothing
    assert sum(row["n"] for row in report["reliability"]) == 1


def test_eval_cli_json_has_fixed_fields(tmp_path: Path) -> None:
    folder = _write(
        tmp_path / "set",
        "- {case: c1, label: fp16-unscale-amp}\n- {case: c2, label: none}\n",
        {"c1": "ValueError: Attempting to unscale FP16 gradients.", "c2": "how do I bake bread"},
    )
    result = CliRunner().invoke(cli, ["eval", str(folder), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert list(report) == ["cases", "labelled", "none", "unknown_labels", "fused", "stages", "reliability"]
    assert report["fused"]["top1"] == {"n": 1, "of": 1, "ratio": 1.0}


def test_eval_cli_unreadable_folder_exits_2(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(cli, ["eval", str(tmp_path / "empty")])
    assert result.exit_code == 2
    assert "labels.yaml" in result.output
