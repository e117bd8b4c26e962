"""modules-to-save-missing-head: a new classifier head, not in modules_to_save, is random again after reload.

The reload must run under a different seed: with the same seed the re-initialised head happens to be
identical and the bug hides.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

pytestmark = pytest.mark.repro


def _classifier(torch: Any, base_dir: Path, seed: int, log: io.StringIO | None = None) -> Any:
    """A sequence classifier built from a causal-LM checkpoint: its score head is newly initialised."""
    from transformers import LlamaForSequenceClassification
    from transformers.utils import logging as hf_logging

    torch.manual_seed(seed)
    handler = logging.StreamHandler(log) if log is not None else None
    verbosity = hf_logging.get_verbosity()
    if handler is not None:
        hf_logging.add_handler(handler)
        hf_logging.set_verbosity_warning()  # the test session runs at "error"; the report is a warning
    try:
        return LlamaForSequenceClassification.from_pretrained(base_dir, num_labels=3, pad_token_id=0).eval()
    finally:
        if handler is not None:
            hf_logging.remove_handler(handler)
            hf_logging.set_verbosity(verbosity)


def _reload_diff(torch: Any, base_dir: Path, tmp_path: Path, input_ids: Any, task_type: str | None) -> float:
    from peft import LoraConfig, PeftModel, get_peft_model

    config = LoraConfig(target_modules=["q_proj", "v_proj"], task_type=task_type)
    model = get_peft_model(_classifier(torch, base_dir, seed=1), config).eval()
    with torch.no_grad():
        before = model(input_ids=input_ids).logits
    model.save_pretrained(tmp_path / f"adapter-{task_type}")
    reloaded = PeftModel.from_pretrained(_classifier(torch, base_dir, seed=2), str(tmp_path / f"adapter-{task_type}"))
    with torch.no_grad():
        after = reloaded(input_ids=input_ids).logits
    return float((before - after).abs().max())


def test_head_outside_modules_to_save_is_lost_and_task_type_keeps_it(
    tiny_llama: Callable[..., Any], torch_mod: Any, input_ids: Any, tmp_path: Path
) -> None:
    base_dir = tmp_path / "base"
    tiny_llama().save_pretrained(base_dir)

    log = io.StringIO()
    _classifier(torch_mod, base_dir, seed=0, log=log)
    diagnoses = diagnose_text(log.getvalue())  # transformers 5's LOAD REPORT: score.weight MISSING
    assert "MISSING" in log.getvalue()
    assert diagnoses and diagnoses[0].id == "modules-to-save-missing-head"

    diff = _reload_diff(torch_mod, base_dir, tmp_path, input_ids, task_type=None)
    assert diff > 1e-3
    report = f"After reloading my LoRA classifier the score head is random again: logits differ by {diff:.3f}"
    diagnoses = diagnose_text(report)
    assert diagnoses and diagnoses[0].id == "modules-to-save-missing-head"

    assert _reload_diff(torch_mod, base_dir, tmp_path, input_ids, task_type="SEQ_CLS") == 0.0  # the fix


def test_task_type_misses_a_head_named_otherwise_and_modules_to_save_covers_it(seeded: None) -> None:
    from peft import LoraConfig, get_peft_model
    from transformers import BartConfig, BartForSequenceClassification

    def bart() -> Any:
        config = BartConfig(
            vocab_size=64,
            d_model=32,
            encoder_layers=1,
            decoder_layers=1,
            encoder_attention_heads=2,
            decoder_attention_heads=2,
            encoder_ffn_dim=64,
            decoder_ffn_dim=64,
            max_position_embeddings=64,
        )
        return BartForSequenceClassification(config)

    def trainable_heads(model: Any) -> set[str]:
        return {n for n, p in model.named_parameters() if p.requires_grad and "classification_head" in n}

    # task_type adds only modules named "classifier" / "score": BART's classification_head stays frozen
    assert not trainable_heads(get_peft_model(bart(), LoraConfig(task_type="SEQ_CLS", target_modules=["q_proj"])))
    report = (
        "With task_type SEQ_CLS my LoRA on BartForSequenceClassification leaves the classification_head frozen, "
        "so the head is not saved with the adapter and is random after reloading"
    )
    diagnoses = diagnose_text(report)
    assert diagnoses and diagnoses[0].id == "modules-to-save-missing-head"
    config = LoraConfig(task_type="SEQ_CLS", target_modules=["q_proj"], modules_to_save=["classification_head"])
    assert trainable_heads(get_peft_model(bart(), config))
