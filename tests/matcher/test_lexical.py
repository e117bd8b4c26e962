"""The lexical stage: tokenisation rules (ported to JavaScript) and BM25 ranking per entry."""

from __future__ import annotations

import math

import pytest

from peft_why import diagnose_text
from peft_why.matcher.lexical import (
    FULL_WEIGHT_TOKENS,
    K1,
    B,
    build_lexical_index,
    lexical_candidates,
    pattern_text,
    tokens,
)
from peft_why.matcher.parse import parse

from .helpers import make_entry, make_index


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ValueError: Attempting", ["valueerror", "attempting"]),
        ("use_dora=True", ["use_dora", "use", "dora", "true"]),
        ("'q_proj' __init__ a x", ["q_proj", "proj", "init"]),
        ("梯度缩放", ["梯度", "度缩", "缩放"]),
        ("用 fp16训练", ["用", "fp16", "训练"]),
        ("ÄBC Ωmega", ["bc", "mega"]),  # only ASCII is lower-cased; other letters separate runs
        ("<n> torch.Size([0])", ["torch", "size"]),
        ("", []),
    ],
)
def test_tokens_follow_the_documented_rules(text: str, expected: list[str]) -> None:
    assert tokens(text) == expected


def test_pattern_text_drops_regex_escapes() -> None:
    assert pattern_text(r"peft\.utils (\{.*\}) not\sfound") == "peft utils ( .* ) not found"


def test_bm25_matches_the_stated_formula() -> None:
    texts = {"a": ["alpha beta beta"], "b": ["beta gamma"], "c": ["delta"]}
    index = build_lexical_index(texts)
    raw, denominator = index.score(["beta", "zzz"])
    n, df, avg = 3, 2, (3 + 2 + 1) / 3
    idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
    expected_a = idf * 2 * (K1 + 1) / (2 + K1 * (1 - B + B * 3 / avg))
    assert raw[0] == pytest.approx(expected_a)
    # 'zzz' is unknown: not in the denominator; one known token of FULL_WEIGHT_TOKENS scales it up
    assert denominator == pytest.approx(idf * (K1 + 1) * FULL_WEIGHT_TOKENS)


def test_a_one_word_query_cannot_name_a_failure() -> None:
    assert diagnose_text("KeyError: 'x'", stages=["lexical"]) == []


def _kb():  # type: ignore[no-untyped-def]
    return make_index(
        make_entry(
            "fp16-unscale-amp",
            "Trainable parameters are fp16 while training with fp16 mixed precision",
            aliases=["用 fp16 混合精度训练 LoRA 时报错，梯度缩放失败"],
            regex="Attempting to unscale FP16 gradients",
        ),
        make_entry(
            "target-modules-not-found",
            "LoRA target_modules name layers that this model does not have",
            aliases=["LoRA 的 target_modules 在模型里找不到"],
            examples=["ValueError: Target modules {'q_proj'} not found in the base model."],
        ),
        make_entry("cuda-oom", "CUDA out of memory while fine-tuning", aliases=["显存不足"]),
    )


def test_chinese_sentence_without_spaces_matches_chinese_alias() -> None:
    found = lexical_candidates(parse("混合精度训练的时候梯度缩放报错了"), _kb())
    assert found and found[0].entry_id == "fp16-unscale-amp"


def test_error_line_ranks_its_entry_first() -> None:
    found = lexical_candidates(parse("ValueError: Target modules {'c_attn'} not found in the base model"), _kb())
    assert [c.entry_id for c in found][:1] == ["target-modules-not-found"]
    assert 0.0 < found[0].score <= 1.0
    assert "bm25" in found[0].detail


def test_entry_is_scored_by_all_its_texts_not_only_the_nearest() -> None:
    # 'spread' has one text per query word; 'single' has one text with one of them.
    index = make_index(
        make_entry("spread", "adapter weights", aliases=["merge unload", "dtype mismatch"]),
        make_entry("single", "adapter merge", aliases=["other words entirely here"]),
    )
    found = lexical_candidates(parse("adapter merge dtype mismatch"), index)
    assert found[0].entry_id == "spread"


def test_unrelated_text_yields_nothing() -> None:
    assert lexical_candidates(parse("how do I bake a chocolate cake"), _kb()) == []


def test_ties_break_by_entry_id() -> None:
    index = make_index(make_entry("b-entry", "same words here"), make_entry("a-entry", "same words here"))
    found = lexical_candidates(parse("same words here"), index)
    assert [c.entry_id for c in found] == ["a-entry", "b-entry"]
    assert found[0].score == found[1].score


def test_limit_caps_the_candidates() -> None:
    index = make_index(*(make_entry(f"entry-{i:02d}", f"common failure number {i}") for i in range(30)))
    assert len(lexical_candidates(parse("common failure"), index, limit=5)) == 5
