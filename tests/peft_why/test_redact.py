"""The shared redactor: every corpus secret masked, what the matcher needs kept, one table for all."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from peft_why.redact import (
    MAX_PASTE_CHARS,
    REDACT_WINDOW,
    RULES,
    Rule,
    browser_table,
    redact,
    redact_paste,
    redact_secrets,
    redact_tree,
)

from ..secret_corpus import CORPUS, KEEP, KEY_BODY, LONG_RUNS, SecretCase

LINEAR_SECONDS = 1.5  # each run takes ~0.1 s; a quadratic pattern takes 2-20 s on one


@pytest.mark.parametrize("case", CORPUS, ids=[case.name for case in CORPUS])
def test_redact_masks_every_corpus_secret(case: SecretCase) -> None:
    out = redact(case.text, user="", hosts=["no-such-host"])
    assert case.secret not in out and out != case.text


@pytest.mark.parametrize("text", KEEP)
def test_redact_keeps_versions_identifiers_and_package_paths(text: str) -> None:
    assert redact(text, user="peft", hosts=["torch"]) == text


def test_redact_paste_keeps_the_end_of_a_long_paste_from_a_line_start() -> None:
    text = "".join(f"  frame line {n}\n" for n in range(2000)) + "ValueError: the end"
    kept = redact_paste(text)
    assert len(kept) <= MAX_PASTE_CHARS and kept.endswith("ValueError: the end") and kept.startswith("  frame")


def test_redact_tree_masks_nested_strings_and_keeps_other_values() -> None:
    tree = {"lines": [CORPUS[0].text, ("x", 3)], "line": 7, "ok": None}
    out = redact_tree(tree)
    assert CORPUS[0].secret not in str(out) and out["line"] == 7 and out["ok"] is None


def test_browser_table_is_the_rule_table() -> None:
    table = browser_table()
    assert table["max_chars"] == MAX_PASTE_CHARS
    assert [row["pattern"] for row in table["rules"]] == [rule.pattern for rule in RULES]
    assert all(set(rule.flags) <= {"i"} for rule in RULES), "only flags both languages spell the same"


@pytest.mark.parametrize("text", LONG_RUNS, ids=[run[:12] for run in LONG_RUNS])
def test_every_rule_stays_linear_on_long_runs_of_its_characters(text: str) -> None:
    started = time.perf_counter()
    redact_secrets(text)
    assert time.perf_counter() - started < LINEAR_SECONDS


def test_link_redacts_only_the_tail_but_a_key_block_keeps_its_begin_line() -> None:
    key = f"-----BEGIN RSA PRIVATE KEY-----\n{KEY_BODY}\n" + "\n".join(KEY_BODY[::-1] for _ in range(40))
    filler = "".join(f"  step {n}\n" for n in range(REDACT_WINDOW // 8))
    text = "early line\n" + key + "\n" + filler + "-----END RSA PRIVATE KEY-----\nValueError: the end"
    assert len(text) > REDACT_WINDOW and text.index(KEY_BODY) < len(text) - REDACT_WINDOW
    kept = redact_paste(text)
    assert KEY_BODY not in kept and KEY_BODY[::-1] not in kept and kept.endswith("ValueError: the end")


def test_redact_masks_this_machines_host_name_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    import platform

    from peft_why import redact as module

    monkeypatch.setattr(platform, "node", lambda: "gpu-node-17.cluster.example")
    module.host_names.cache_clear()
    try:
        masked = redact("rank 1 on gpu-node-17.cluster.example and gpu-node-17: connection refused")
    finally:
        module.host_names.cache_clear()
    assert masked == "rank 1 on <host> and <host>: connection refused"


def _samples() -> list[str]:
    root = Path(__file__).resolve().parents[2]
    files = sorted((root / "examples").glob("*.txt")) + sorted((root / "tests" / "golden").rglob("*.txt"))
    return [case.text for case in CORPUS] + list(KEEP) + list(LONG_RUNS) + [f.read_text("utf-8") for f in files]


@pytest.mark.parametrize("rule", RULES, ids=[rule.name for rule in RULES])
def test_every_match_of_a_rule_contains_one_of_its_needles(rule: Rule) -> None:
    """The needles only skip work: a text a rule matches always holds one of them (case-folded)."""
    flags = re.ASCII | (re.IGNORECASE if "i" in rule.flags else 0)
    pattern = re.compile(rule.pattern, flags)
    matched = [m.group(0) for text in _samples() for m in pattern.finditer(text)]
    missed = [m for m in matched if rule.needles and not any(n in m.lower() for n in rule.needles)]
    assert not missed, f"{rule.name}: matches without a needle: {missed[:3]}"


def test_skipping_rules_by_needle_changes_no_output() -> None:
    """``redact_secrets`` with needles equals running the whole table on every sample."""
    table = [(re.compile(r.pattern, re.ASCII | (re.IGNORECASE if "i" in r.flags else 0)), r.replacement) for r in RULES]

    def every_rule(text: str) -> str:
        for pattern, replacement in table:
            text = pattern.sub(re.sub(r"\$(\d)", r"\\g<\1>", replacement), text)
        return text

    for text in _samples():
        assert redact_secrets(text) == every_rule(text)
