"""trainable-token-indices-tied-mismatch: tied embed_tokens/lm_head with different token ids, on CPU."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro

ID = "trainable-token-indices-tied-mismatch"


def test_different_indices_for_tied_layers_are_refused(tiny_llama: Callable[..., Any], input_ids: Any) -> None:
    from peft import LoraConfig, get_peft_model

    def config(lm_head: list[int]) -> Any:
        return LoraConfig(
            r=4,
            target_modules=["q_proj"],
            trainable_token_indices={"embed_tokens": [1, 2], "lm_head": lm_head},
            ensure_weight_tying=True,
        )

    with pytest.raises(ValueError, match="Cannot ensure weight tying when different token indices") as caught:
        get_peft_model(tiny_llama(tie_word_embeddings=True), config([3]))
    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID

    # the fix: the same indices for both tied layers; the output layer then shares the embedding's token adapter
    model = get_peft_model(tiny_llama(tie_word_embeddings=True), config([1, 2]))
    embed = model.get_input_embeddings().token_adapter
    assert model.get_output_embeddings().token_adapter.tied_adapter is embed
    assert model(input_ids).logits.shape[-1] == 128
