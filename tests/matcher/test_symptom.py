"""The symptom stage: facets read from what a user sees and did (en and zh), scored against presentations."""

from __future__ import annotations

import json

import pytest

from peft_why.matcher.diagnose import diagnose_text, get_kb, get_prepared
from peft_why.matcher.fuse import fuse
from peft_why.matcher.parse import parse
from peft_why.matcher.symptom import build_symptom_index, facets, split, symptom_candidates
from peft_why.matcher.types import Candidate


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("After merge_and_unload on my 4-bit model the outputs are different", {"see:differs", "did:merge"}),
        ("I loaded it with load_in_4bit and the loss is nan", {"see:nan", "did:quantized"}),
        ("adapter_model.safetensors is only 443 bytes after training with DeepSpeed ZeRO-3", {"see:tiny-file"}),
        ("trainable params: 0 || all params: 6738415616", {"see:zero-trainable"}),
        ("量化模型合并之后，输出和合并前不一致", {"see:differs", "did:merge", "did:quantized"}),
        ("用 fp16 推理的时候输出全是乱码", {"see:garbage", "did:fp16", "did:generate"}),
        ("训练时爆显存了，batch size 已经是 1", {"see:oom", "did:batch"}),
        ("重新加载 LoRA 以后效果和原模型一样", {"see:same-as-base", "did:reload"}),
    ],
)
def test_facets_reads_observation_and_context_in_english_and_chinese(text: str, expected: set[str]) -> None:
    assert expected <= set(facets(text))


def test_facets_keep_the_line_of_their_first_occurrence() -> None:
    found = facets("I trained with Trainer.\nThen I merged it.\nNow the outputs are different.")
    assert found["did:merge"] == 2 and found["see:differs"] == 3


@pytest.mark.parametrize(
    "text",
    [
        "error lora model load peft adapter",
        "LoRA 模型 训练 加载 报错 peft adapter",
        "I have a problem with my peft model, please help",
    ],
)
def test_generic_words_alone_name_no_facet_and_no_entry(text: str) -> None:
    assert not split(facets(text))[0]
    assert symptom_candidates(parse(text), get_prepared().symptom) == []


def test_a_model_size_is_not_a_file_size() -> None:
    assert "see:tiny-file" not in facets("fine-tuning a 7B model, the 13b one too")


def test_already_in_eval_mode_is_not_training_mode() -> None:
    assert "did:train-mode" not in facets("outputs differ even though the model is already in eval mode")
    assert "did:train-mode" not in facets("已经调用了 model.eval()，每次结果还是不一样")
    assert "did:train-mode" in facets("I forgot to call model.eval() so dropout is still on")


def test_context_alone_names_nothing() -> None:
    index = build_symptom_index({"merge-thing": [("outputs differ", "after merging a 4-bit model")]})
    assert symptom_candidates(parse("I merged my 4-bit model and saved it"), index) == []


def test_context_decides_between_entries_with_the_same_observation() -> None:
    index = build_symptom_index(
        {
            "merge-thing": [("outputs differ", "after merging a 4-bit model")],
            "sampling-thing": [("outputs differ every time", "generate with do_sample=True")],
        }
    )
    merged = symptom_candidates(parse("the outputs differ after merge_and_unload on the 8-bit model"), index)
    sampled = symptom_candidates(parse("generate gives different outputs every time with temperature 0.7"), index)
    assert merged[0].entry_id == "merge-thing" and all(c.score < merged[0].score for c in merged[1:])
    assert sampled[0].entry_id == "sampling-thing"


def test_chinese_description_matches_an_english_presentation_through_shared_facets() -> None:
    index = build_symptom_index({"fp16-thing": [("the loss becomes nan", "training in float16")]})
    found = symptom_candidates(parse("用 fp16 训练，loss 变成 nan 了"), index)
    assert [c.entry_id for c in found] == ["fp16-thing"] and found[0].score == pytest.approx(1.0)


def test_a_paste_with_an_exception_weighs_its_prose_less() -> None:
    index = build_symptom_index({"fp16-thing": [("the loss becomes nan", "training in float16")]})
    prose = symptom_candidates(parse("training in fp16, the loss is nan"), index)
    traced = symptom_candidates(parse("training in fp16, the loss is nan\nValueError: something else"), index)
    assert traced[0].score < prose[0].score


@pytest.mark.parametrize(
    ("text", "entry_id"),
    [
        ("After merge_and_unload on my QLoRA 4-bit model, generations differ slightly", "merge-quantized-rounding"),
        ("4bit 量化的模型合并 LoRA 之后，输出和合并前有差异", "merge-quantized-rounding"),
        ("With deepspeed zero3 the saved adapter_model.bin is only 400 bytes", "zero3-empty-adapter-save"),
        ("用 float16 加载模型，loss 变成 nan", "fp16-overflow-nan"),
        ("my LoRA 分类模型 reloaded: predictions are random, accuracy at chance level", "modules-to-save-missing-head"),
    ],
)
def test_entries_presentations_are_found_by_descriptions_written_here(text: str, entry_id: str) -> None:
    assert symptom_candidates(parse(text), get_prepared().symptom)[0].entry_id == entry_id


def test_close_family_members_get_their_distinguish_in_the_json() -> None:
    kb, index = get_kb()
    stages = {
        "symptom": [
            Candidate("symptom", "eval-mode-dropout", 0.9, "x"),
            Candidate("symptom", "generate-sampling-seed", 0.9, "x"),
            Candidate("symptom", "cuda-oom-lora", 0.85, "x"),
        ]
    }
    ranked = fuse(stages, index.entries, threshold=0.0)
    rows = json.loads(json.dumps([d.to_dict() for d in ranked]))
    by_id = {row["id"]: row for row in rows}
    entry = kb.get("eval-mode-dropout")
    assert entry is not None and entry.distinguish
    assert by_id["eval-mode-dropout"]["distinguish"] == entry.distinguish
    assert by_id["generate-sampling-seed"]["distinguish"]
    assert by_id["cuda-oom-lora"]["distinguish"] is None  # not of the family


def test_distinguish_is_null_when_the_best_is_clear() -> None:
    _kb, index = get_kb()
    stages = {
        "regex": [Candidate("regex", "eval-mode-dropout", 1.0, "x")],
        "symptom": [Candidate("symptom", "generate-sampling-seed", 0.3, "x")],
    }
    rows = [d.to_dict() for d in fuse(stages, index.entries, threshold=0.0)]
    assert "distinguish" in rows[0] and all(row["distinguish"] is None for row in rows)


def test_diagnose_text_names_the_symptom_stage_in_its_evidence() -> None:
    found = diagnose_text("用 fp16 半精度推理，loss 变成 nan，生成的内容全是乱码")
    assert found and found[0].id == "fp16-overflow-nan"
    assert any(e.stage == "symptom" for e in found[0].evidence)


def test_every_shipped_presentation_has_an_observation_the_lexicon_reads() -> None:
    """A presentation the lexicon cannot read is silently unused: extend the lexicon or reword it."""
    kb, _index = get_kb()
    unread = [
        f"{entry.id}: {p.observation!r}"
        for entry in kb.active
        for p in entry.presentations
        if not split(facets(p.observation))[0]
    ]
    assert unread == []


def test_family_members_present_themselves_in_english_and_chinese() -> None:
    kb, _index = get_kb()
    one_language = [e.id for e in kb.active if e.family and {p.lang for p in e.presentations} != {"en", "zh"}]
    assert one_language == []
