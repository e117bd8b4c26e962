"""Differential verification: which candidates get checked, and the ranking after their verdicts."""

from __future__ import annotations

from types import SimpleNamespace

from peft_why.matcher.types import Diagnosis
from peft_why.matcher.verification import family_lookup, with_verification, within_reach


def _d(entry_id: str, score: float) -> Diagnosis:
    return Diagnosis(entry_id, entry_id.title(), score, "medium")


RANKED = [_d("a", 0.9), _d("b", 0.85), _d("c", 0.8), _d("d", 0.7), _d("e", 0.6)]


def _finding(entry_id: str, status: str) -> dict[str, object]:
    return {"entry_id": entry_id, "status": status, "message": f"{entry_id} is {status}"}


def test_within_reach_is_the_top_three_without_families() -> None:
    assert [d.id for d in within_reach(RANKED)] == ["a", "b", "c"]
    no_family = family_lookup([SimpleNamespace(id=d.id) for d in RANKED])
    assert [d.id for d in within_reach(RANKED, no_family)] == ["a", "b", "c"]


def test_within_reach_adds_lower_entries_of_the_best_family() -> None:
    families = {"a": "results-differ", "d": "results-differ", "e": "shapes"}
    lookup = family_lookup([SimpleNamespace(id=key, family=value) for key, value in families.items()])
    assert [d.id for d in within_reach(RANKED, lookup)] == ["a", "b", "c", "d"]


def test_confirmed_goes_first_and_not_confirmed_is_demoted_with_its_reason() -> None:
    findings = {
        "a": _finding("a", "not-confirmed"),
        "b": _finding("b", "not-applicable"),
        "c": _finding("c", "confirmed"),
    }
    ranked = with_verification(RANKED, findings)
    assert [d.id for d in ranked] == ["c", "b", "d", "e", "a"]
    assert ranked[-1].verification == findings["a"] and ranked[-1].score == 0.9  # scores untouched
    assert ranked[2].verification is None and "verification" not in ranked[2].to_dict()
    assert ranked[0].to_dict()["verification"]["status"] == "confirmed"


def test_errors_and_not_applicable_keep_their_place() -> None:
    findings = {"a": _finding("a", "error"), "b": _finding("b", "not-applicable")}
    assert [d.id for d in with_verification(RANKED, findings)] == ["a", "b", "c", "d", "e"]
