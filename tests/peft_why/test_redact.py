"""The shared redactor: every corpus secret masked, what the matcher needs kept, one table for all."""

from __future__ import annotations

import pytest

from peft_why.redact import MAX_PASTE_CHARS, RULES, browser_table, redact, redact_paste, redact_tree

from ..secret_corpus import CORPUS, KEEP, SecretCase


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
