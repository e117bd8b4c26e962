"""``peft-why eval``: labels (entry / none / tail), the tail map, slices, variants and the CLI's fixed fields.

Every case here is synthetic and written to a temp folder; the devset is never read.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from peft_why.cli.main import cli
from peft_why.matcher.evaluate import (
    Case,
    compare,
    evaluate,
    group_of,
    load_cases,
    load_tail_map,
    restrict,
    target_of,
)
from peft_why.matcher.index import KbIndex
from peft_why.matcher.metrics import Outcome, natural_key, part_of, summarise
from peft_why.matcher.types import STAGES, Candidate

from .helpers import make_entry, make_index

FIELDS = [
    "cases",
    "split",
    "parts",
    "groups",
    "unknown_labels",
    "tail_classes",
    "tail_map_unknown",
    "cache_mismatch",
    "variants",
    "reliability",
    "misses",
    "outcomes",
    "source_answers",
]
METRICS = ["top1", "top3", "mrr", "abstain_ok", "false_abstain", "right", "wrong_high", "high_precision"]


def _write(folder: Path, labels: str, cases: dict[str, str]) -> Path:
    (folder / "cases").mkdir(parents=True)
    (folder / "labels.yaml").write_text(labels, encoding="utf-8")
    for name, text in cases.items():
        (folder / "cases" / f"{name}.txt").write_text(text, encoding="utf-8")
    return folder


def _outcome(group: str, target: str | None, ranked: tuple[str, ...], high: bool = False) -> Outcome:
    return Outcome("c", group, target, ranked, 0.9 if ranked else None, high)


def _index() -> KbIndex:
    return make_index(
        make_entry("boom-error", "boom happened", regex="boom happened", examples=["ValueError: boom happened"]),
        make_entry("other-error", "quite different failure", aliases=["nothing alike"]),
    )


def test_none_and_unmapped_tail_want_abstention_and_mapped_tail_stays_in_its_group() -> None:
    entries = {"boom-error": object()}
    tail_map = {"new-class": "boom-error", "waiting": None, "ahead": "not-yet-in-kb"}
    assert (target_of("none", tail_map, entries), group_of("none", None)) == (None, "none")
    assert target_of("tail:unlisted", tail_map, entries) is None
    assert target_of("tail:waiting", tail_map, entries) is None
    assert target_of("tail:ahead", tail_map, entries) is None  # mapped before its entry landed
    assert target_of("tail:new-class", tail_map, entries) == "boom-error"
    assert group_of("tail:new-class", "boom-error") == "tail"
    assert group_of("tail:waiting", None) == "tail"
    assert target_of("some-entry", tail_map, entries) == "some-entry"


def test_abstaining_is_right_only_where_no_entry_should_win() -> None:
    assert _outcome("tail", None, ()).right
    assert not _outcome("tail", None, ("x",)).right
    assert _outcome("tail", "x", ()).right  # a covered tail class: abstaining is still right
    assert _outcome("tail", "x", ("x", "y")).right  # ... and so is its new entry first
    assert not _outcome("tail", "x", ("y", "x")).right
    assert not _outcome("known", "x", ()).right
    assert _outcome("known", "x", ("x", "y")).right
    assert not _outcome("known", "x", ("y", "x")).right


def test_summarise_counts_each_metric_over_its_own_denominator() -> None:
    outcomes = [
        _outcome("known", "x", ("x",), high=True),  # right at high
        _outcome("known", "y", ("z", "q", "y"), high=True),  # wrong at high, rank 3
        _outcome("known", "w", ()),  # false abstention
        _outcome("tail", None, ()),  # right abstention
        _outcome("none", None, ("x",), high=True),  # wrong at high
    ]
    row = summarise(outcomes)
    assert row["top1"]["n"] == 1 and row["top1"]["of"] == 3
    assert row["top3"]["n"] == 2
    assert row["mrr"]["n"] == pytest.approx(1 + 1 / 3, abs=1e-4)
    assert (row["abstain_ok"]["n"], row["abstain_ok"]["of"]) == (1, 2)
    assert (row["false_abstain"]["n"], row["false_abstain"]["of"]) == (1, 3)
    assert (row["right"]["n"], row["right"]["of"]) == (2, 5)
    assert (row["wrong_high"]["n"], row["wrong_high"]["of"]) == (2, 5)
    assert (row["high_precision"]["n"], row["high_precision"]["of"]) == (1, 3)
    assert row["right"]["ci95"] == [0.1176, 0.7693]


def test_split_orders_case_ids_naturally() -> None:
    assert natural_key("dev9") < natural_key("dev10")
    assert part_of("dev9", "dev27") == "tuned"
    assert part_of("dev27", "dev27") == "tuned"
    assert part_of("dev100", "dev27") == "fresh"
    assert part_of("dev100", None) == "all"


def test_load_cases_reads_kind_language_and_source(tmp_path: Path) -> None:
    folder = _write(
        tmp_path / "set",
        "- {case: c1, label: x, kind: symptom, lang: zh, source: somewhere}\n- {case: c2, label: none}\n",
        {"c1": "ValueError: boom", "c2": "x"},
    )
    first = Case("c1", "x", "ValueError: boom", "symptom", "zh", "somewhere")
    assert load_cases(folder) == [first, Case("c2", "none", "x")]


def test_load_cases_names_the_missing_case_file(tmp_path: Path) -> None:
    folder = _write(tmp_path / "set", "- {case: gone, label: x}\n", {})
    with pytest.raises(ValueError, match=r"gone\.txt"):
        load_cases(folder)


def test_tail_map_accepts_empty_file_and_rejects_non_ids(tmp_path: Path) -> None:
    (tmp_path / "empty.yaml").write_text("# nothing mapped yet\n", encoding="utf-8")
    assert load_tail_map(tmp_path / "empty.yaml") == {}
    (tmp_path / "bad.yaml").write_text("some-class: [a, b]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="some-class"):
        load_tail_map(tmp_path / "bad.yaml")
    (tmp_path / "ok.yaml").write_text("tail:some-class: entry-id\nother: null\n", encoding="utf-8")
    assert load_tail_map(tmp_path / "ok.yaml") == {"some-class": "entry-id", "other": None}


def test_shipped_tail_map_loads() -> None:
    assert all(entry is None or isinstance(entry, str) for entry in load_tail_map().values())


def test_restrict_drops_semantic_when_a_regex_settles_unless_semantic_is_alone() -> None:
    found = {
        "regex": [Candidate("regex", "a", 1.0, "hit")],
        "semantic": [Candidate("semantic", "b", 0.7, "near")],
        "lexical": [],
    }
    assert set(restrict(found, ("regex", "lexical", "semantic"))) == {"regex", "lexical"}
    assert set(restrict(found, ("semantic",))) == {"semantic"}
    assert set(restrict(found, ("lexical", "semantic"))) == {"lexical", "semantic"}


def test_evaluate_scores_tail_and_none_by_abstention_and_reports_every_variant() -> None:
    cases = [
        Case("c1", "boom-error", "ValueError: boom happened", "error-line", "en"),
        Case("c2", "none", "a cake recipe with flour", "symptom", "en"),
        Case("c3", "tail:unmapped", "ValueError: boom happened", "error-line", "zh"),
        Case("c4", "tail:covered", "ValueError: boom happened", "error-line", "zh"),
    ]
    report = evaluate(cases, index=_index(), tail_map={"covered": "boom-error"}, split="c2")
    assert list(report) == FIELDS
    assert report["groups"] == {"known": 1, "tail": 2, "none": 1}
    assert report["tail_classes"] == {"covered": "boom-error", "unmapped": None}
    assert report["cache_mismatch"] == []
    assert set(report["source_answers"]) == {"known", "tail", "none"}
    assert report["source_answers"]["known"]["cases"] == 1
    assert report["source_answers"]["tail"]["cases"] == 2  # a covered tail case stays in the tail group
    names = [v["name"] for v in report["variants"]]
    assert names == ["fused", *STAGES] + [f"-{s}" for s in STAGES]
    rows = {(r["part"], r["by"], r["value"]): r for r in report["variants"][0]["rows"]}
    assert rows[("all", "group", "known")]["top1"]["n"] == 1
    assert rows[("all", "group", "tail")]["top1"]["n"] == 1  # the covered tail case: its entry first
    assert rows[("all", "group", "tail")]["abstain_ok"]["n"] == 1  # c4 right (its entry), c3 answered wrongly
    assert rows[("all", "group", "none")]["abstain_ok"]["n"] == 1
    assert rows[("fresh", "lang", "zh")]["cases"] == 2
    assert rows[("tuned", "all", "all")]["cases"] == 2
    assert [m["case"] for m in report["misses"]] == ["c3"]
    assert report["misses"][0]["stage_top1"]["regex"] == "boom-error"


def test_evaluate_floor_ranks_by_cosine_without_abstaining() -> None:
    import numpy as np

    vocabulary = ["boom", "happened", "quite", "different", "failure", "cake"]

    def encode(texts: list[str]) -> np.ndarray:
        rows = np.asarray([[t.lower().count(w) + 1e-3 for w in vocabulary] for t in texts], dtype=np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)

    cases = [
        Case("c1", "other-error", "a different failure, quite odd", "symptom", "en"),
        Case("c2", "none", "cake", "symptom", "en"),
    ]
    report = evaluate(cases, index=_index(), tail_map={}, floor_encode=encode)
    floor = report["variants"][-1]
    assert floor["name"] == "floor"
    top = next(r for r in floor["rows"] if r["by"] == "all")
    assert top["top1"]["n"] == 1
    assert top["abstain_ok"] == {"n": 0, "of": 1, "ratio": 0.0, "ci95": [0.0, 0.7935]}


def test_eval_cli_json_has_fixed_fields_and_reads_the_tail_map_option(tmp_path: Path) -> None:
    folder = _write(
        tmp_path / "set",
        "- {case: c1, label: fp16-unscale-amp, kind: error-line, lang: en}\n"
        "- {case: c2, label: none, kind: symptom, lang: en}\n"
        "- {case: c3, label: 'tail:unscale', kind: error-line, lang: en}\n",
        {
            "c1": "ValueError: Attempting to unscale FP16 gradients.",
            "c2": "how do I bake bread",
            "c3": "ValueError: Attempting to unscale FP16 gradients.",
        },
    )
    (tmp_path / "map.yaml").write_text("unscale: fp16-unscale-amp\n", encoding="utf-8")
    args = ["eval", str(folder), "--json", "--no-floor", "--split", "none", "--tail-map", str(tmp_path / "map.yaml")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert list(report) == [*FIELDS, "floor_note"]
    fused = report["variants"][0]
    assert list(fused) == ["name", "kind", "stages", "rows"]
    overall = fused["rows"][0]
    assert list(overall) == ["part", "by", "value", "cases", *METRICS]
    assert overall["top1"] == {"n": 2, "of": 2, "ratio": 1.0, "ci95": [0.3424, 1.0]}
    assert report["split"] is None and set(report["parts"]) == {"all"}


def test_eval_cli_text_shows_groups_variants_and_misses(tmp_path: Path) -> None:
    folder = _write(
        tmp_path / "set",
        "- {case: c1, label: 'tail:unscale', kind: error-line, lang: en}\n",
        {"c1": "ValueError: Attempting to unscale FP16 gradients."},
    )
    result = CliRunner().invoke(cli, ["eval", str(folder), "--no-floor", "--split", "c0"])
    assert result.exit_code == 0, result.output
    assert "tail classes with no entry (right = abstain): 1: unscale" in result.output
    assert "fused (production), by group" in result.output
    assert "-semantic" in result.output
    assert "want abstain  got fp16-unscale-amp" in result.output


def test_eval_cli_unreadable_folder_exits_2(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(cli, ["eval", str(tmp_path / "empty")])
    assert result.exit_code == 2
    assert "labels.yaml" in result.output


def test_eval_cli_cv_json_and_text(tmp_path: Path) -> None:
    labels = "".join(
        f"- {{case: c{n}, label: {label}, kind: error-line, lang: en}}\n"
        for n, label in enumerate(["fp16-unscale-amp"] * 3 + ["none"] * 3)
    )
    texts = {f"c{n}": "ValueError: Attempting to unscale FP16 gradients." for n in range(3)}
    texts |= {f"c{n}": f"my sourdough number {n} did not rise" for n in range(3, 6)}
    folder = _write(tmp_path / "set", labels, texts)
    result = CliRunner().invoke(cli, ["eval", str(folder), "--cv", "--folds", "3", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert list(report) == [*FIELDS[:7], "cv"]
    assert report["cv"]["scheme"] == "3-fold"
    assert [len(fold["cases"]) for fold in report["cv"]["folds"]] == [2, 2, 2]
    assert report["cv"]["rows"][0]["right"]["n"] == 6
    text = CliRunner().invoke(cli, ["eval", str(folder), "--cv", "--folds", "0"])
    assert text.exit_code == 0, text.output
    assert "cross-validated (leave-one-out), by group" in text.output
    assert "production" in text.output and "all cases" in text.output


def test_against_a_saved_run_names_fixed_broken_and_moved_cases(tmp_path: Path) -> None:
    folder = _write(
        tmp_path / "set",
        "- {case: c1, label: 'tail:unscale', kind: error-line, lang: en}\n"
        "- {case: c2, label: none, kind: symptom, lang: en}\n",
        {"c1": "ValueError: Attempting to unscale FP16 gradients.", "c2": "how do I bake bread"},
    )
    (tmp_path / "map.yaml").write_text("unscale: fp16-unscale-amp\n", encoding="utf-8")
    base = ["eval", str(folder), "--no-floor", "--json"]
    before = CliRunner().invoke(cli, base)
    assert before.exit_code == 0, before.output
    (tmp_path / "before.json").write_text(before.output, encoding="utf-8")
    after = CliRunner().invoke(
        cli, [*base, "--tail-map", str(tmp_path / "map.yaml"), "--against", str(tmp_path / "before.json")]
    )
    assert after.exit_code == 0, after.output
    diff = json.loads(after.output)["against"]
    assert diff["fixed"] == ["c1"] and diff["broken"] == [] and diff["moved"] == []
    assert diff["delta"]["all"]["right"] == 1
    (tmp_path / "bad.json").write_text("{}", encoding="utf-8")
    refused = CliRunner().invoke(cli, [*base, "--against", str(tmp_path / "bad.json")])
    assert refused.exit_code == 2 and "not a saved" in refused.output


def test_compare_reports_moved_answers_and_missing_cases() -> None:
    def report(rows: list[dict[str, object]]) -> dict[str, object]:
        return {"outcomes": rows, "variants": [{"rows": []}]}

    before = report(
        [
            {"case": "a", "right": False, "top": "x"},
            {"case": "b", "right": True, "top": "y"},
            {"case": "c", "right": False, "top": "x"},
        ]
    )
    after = report(
        [
            {"case": "a", "right": False, "top": "z"},
            {"case": "b", "right": False, "top": None},
            {"case": "d", "right": True, "top": "q"},
        ]
    )
    diff = compare(before, after)
    assert diff["broken"] == ["b"]
    assert diff["moved"] == [{"case": "a", "before": "x", "after": "z"}]
    assert (diff["only_before"], diff["only_after"]) == (["c"], ["d"])


def test_a_source_answer_is_an_abstention_counted_apart_with_its_raise_site() -> None:
    library = "UserWarning: `loftq_config` specified but will be ignored when `init_lora_weights` is not 'loftq'."
    cases = [
        Case("c1", "none", library, "error-line", "en"),
        Case("c2", "boom-error", "ValueError: boom happened", "error-line", "en"),
        Case("c3", "tail:unmapped", f"some log line\n{library}\nValueError: boom happened", "traceback", "en"),
    ]
    report = evaluate(cases, index=_index(), tail_map={}, split=None)
    assert report["cache_mismatch"] == []
    assert report["source_answers"] == {
        "known": {"cases": 1, "source_answer": 0, "right_raise_site": 0},  # a pattern fired: no lookup
        "tail": {"cases": 1, "source_answer": 0, "right_raise_site": 0},
        "none": {"cases": 1, "source_answer": 1, "right_raise_site": 1},
    }
    outcomes = {row["case"]: row for row in report["outcomes"]}
    assert outcomes["c1"]["top"] is None and outcomes["c1"]["right"]  # abstained in matches
    assert outcomes["c1"]["source"] == "src:peft:014004ae"


def test_eval_cli_cv_names_an_unfittable_kb_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from peft_why.matcher import crossval

    folder = _write(tmp_path / "set", "- {case: c1, label: none}\n", {"c1": "my cake did not rise"})
    monkeypatch.setattr(crossval, "kb_floors", lambda _prepared, combos: [-1.0] * len(combos))
    result = CliRunner().invoke(cli, ["eval", str(folder), "--cv"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "Error: cannot fit: no parameter set keeps every KB example first above any line"
    ]
