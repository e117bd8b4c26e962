"""extended-vocab-embeddings: an adapter trained on a resized vocabulary, loaded onto an unresized base."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro

NEW_VOCAB = 130  # the tiny Llama has 128 tokens; two were "added"


@pytest.mark.parametrize(
    "config_kwargs",
    [
        {"target_modules": ["q_proj", "v_proj"], "modules_to_save": ["embed_tokens", "lm_head"]},
        {"target_modules": ["q_proj", "embed_tokens"]},
    ],
    ids=["modules-to-save", "lora-on-embeddings"],
)
def test_resized_adapter_on_unresized_base_fails_and_resizing_first_loads(
    tiny_llama: Callable[..., Any], tmp_path: Path, config_kwargs: dict[str, Any]
) -> None:
    from peft import LoraConfig, PeftModel, get_peft_model

    base = tiny_llama()
    base.resize_token_embeddings(NEW_VOCAB)
    get_peft_model(base, LoraConfig(**config_kwargs)).save_pretrained(tmp_path)

    with pytest.raises(RuntimeError, match="size mismatch") as caught:
        PeftModel.from_pretrained(tiny_llama(), str(tmp_path))

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "extended-vocab-embeddings"

    resized = tiny_llama()
    resized.resize_token_embeddings(NEW_VOCAB)  # the fix: resize the base before loading
    model = PeftModel.from_pretrained(resized, str(tmp_path))
    assert model.get_input_embeddings().weight.shape[0] == NEW_VOCAB
