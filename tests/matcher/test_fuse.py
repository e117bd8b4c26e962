"""Fusing stage evidence: calibrated scores, abstention, generic vs specific, deterministic ties."""

from __future__ import annotations

from peft_why.matcher.fuse import ABSTAIN_BELOW, IDENTITY, calibrated, fuse
from peft_why.matcher.types import Candidate

from .helpers import make_entry

ENTRIES = {
    e.id: e
    for e in (
        make_entry("outdated-package", "an old package", generic=True),
        make_entry("wrong-task-type", "task type missing"),
        make_entry("b-entry", "b"),
        make_entry("a-entry", "a"),
        make_entry("old-entry", "retired", status="retired"),
    )
}


def _c(stage: str, entry_id: str, score: float) -> Candidate:
    return Candidate(stage, entry_id, score, f"{stage} saw {entry_id}")


def test_fuse_prefers_specific_entry_over_generic_with_equal_evidence() -> None:
    stages = {"fuzzy": [_c("fuzzy", "outdated-package", 0.9), _c("fuzzy", "wrong-task-type", 0.9)]}
    assert [d.id for d in fuse(stages, ENTRIES, threshold=0.0)] == ["wrong-task-type", "outdated-package"]


def test_fuse_lets_generic_entry_win_with_clearly_stronger_evidence() -> None:
    stages = {
        "regex": [_c("regex", "outdated-package", 1.0)],
        "fuzzy": [_c("fuzzy", "wrong-task-type", 0.8)],
    }
    assert fuse(stages, ENTRIES)[0].id == "outdated-package"


def test_fuse_breaks_ties_by_id() -> None:
    stages = {"lexical": [_c("lexical", "b-entry", 1.0), _c("lexical", "a-entry", 1.0)]}
    assert [d.id for d in fuse(stages, ENTRIES, threshold=0.0)] == ["a-entry", "b-entry"]


def test_fuse_prefers_regex_hit_over_semantic_neighbour() -> None:
    stages = {"regex": [_c("regex", "b-entry", 1.0)], "semantic": [_c("semantic", "a-entry", 1.0)]}
    assert fuse(stages, ENTRIES)[0].id == "b-entry"


def test_agreeing_stages_score_higher_than_one_alone() -> None:
    one = fuse({"fuzzy": [_c("fuzzy", "a-entry", 0.9)]}, ENTRIES, threshold=0.0)[0].score
    both = fuse(
        {"fuzzy": [_c("fuzzy", "a-entry", 0.9)], "lexical": [_c("lexical", "a-entry", 0.9)]},
        ENTRIES,
        threshold=0.0,
    )[0].score
    assert both > one


def test_weak_evidence_abstains_and_retired_entries_never_rank() -> None:
    assert fuse({"semantic": [_c("semantic", "a-entry", 0.3)]}, ENTRIES) == []
    assert fuse({"regex": [_c("regex", "old-entry", 1.0)]}, ENTRIES) == []


def test_scores_are_in_unit_interval_and_calibration_is_monotonic() -> None:
    values = [calibrated(raw / 20) for raw in range(21)]
    assert all(0.0 <= v <= 1.0 for v in values)
    assert values == sorted(values)
    assert calibrated(0.37, IDENTITY) == 0.37
    assert calibrated(1.0) > ABSTAIN_BELOW > calibrated(0.0)


def test_evidence_lists_every_stage_strongest_first() -> None:
    stages = {"regex": [_c("regex", "a-entry", 1.0)], "fuzzy": [_c("fuzzy", "a-entry", 0.7)]}
    evidence = fuse(stages, ENTRIES)[0].evidence
    assert [e.stage for e in evidence] == ["regex", "fuzzy"]
    assert evidence[0].detail == "regex saw a-entry"


def test_a_diagnosis_carries_its_entrys_fix_for_renderers() -> None:
    from peft_why.matcher.diagnose import diagnose_text, get_kb

    kb, _ = get_kb()
    best = diagnose_text("ValueError: Attempting to unscale FP16 gradients.")[0]
    entry = kb.get(best.id)
    assert entry is not None and best.fix == entry.fix.summary
    assert "fix" not in best.to_dict()  # the JSON Lines contract is unchanged


def test_negative_version_evidence_demotes_but_never_lifts_a_candidate_into_an_answer() -> None:
    below = {"lexical": [_c("lexical", "a-entry", 0.6)], "version": [_c("version", "a-entry", -1.0)]}
    without = fuse({"lexical": below["lexical"]}, ENTRIES, threshold=0.0)[0].score
    assert without < ABSTAIN_BELOW
    assert fuse(below, ENTRIES) == []  # it used to come back at exactly the line
    demoted = fuse(below, ENTRIES, threshold=0.0)[0].score
    assert demoted < without

    above = {"regex": [_c("regex", "a-entry", 1.0)], "version": [_c("version", "a-entry", -1.0)]}
    kept = fuse(above, ENTRIES)
    assert kept and kept[0].id == "a-entry" and kept[0].score >= ABSTAIN_BELOW  # an answer is never dropped
    assert kept[0].score < fuse({"regex": above["regex"]}, ENTRIES)[0].score
