"""trainable-tokens-wrapper-attribute: layer attributes read through peft's TrainableTokensWrapper, on CPU.

``LoraConfig(trainable_token_indices=...)`` wraps the named layer (embed_tokens; a tied lm_head too) in a
``TrainableTokensWrapper``, which answers only ``weight`` while its adapter is active: every other attribute of
the wrapped layer raises from ``AuxiliaryTrainingWrapper.__getattr__``.
"""

from __future__ import annotations

import re
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro

ID = "trainable-tokens-wrapper-attribute"


def missing(name: str) -> str:
    """The whole message peft raises for ``name`` (AuxiliaryTrainingWrapper.__getattr__), as a pattern."""
    return "^" + re.escape(f"'TrainableTokensWrapper' object has no attribute '{name}'") + "$"


def test_embedding_attributes_read_through_the_wrapper_raise_and_the_wrapped_layer_answers(
    tiny_llama: Callable[..., Any], input_ids: Any
) -> None:
    from peft import LoraConfig, get_peft_model
    from peft.utils.other import TrainableTokensWrapper

    model = get_peft_model(
        tiny_llama(pad_token_id=0),
        LoraConfig(r=2, target_modules=["q_proj"], trainable_token_indices={"embed_tokens": [3, 4]}),
    )
    embeddings = model.get_input_embeddings()
    assert isinstance(embeddings, TrainableTokensWrapper)
    assert tuple(embeddings.weight.shape) == (128, 32)  # the one attribute the wrapper forwards
    with pytest.raises(AttributeError, match=missing("num_embeddings")) as caught:
        vocab_size = embeddings.num_embeddings
    for name in ("embedding_dim", "padding_idx"):
        with pytest.raises(AttributeError, match=missing(name)):
            getattr(embeddings, name)

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID

    # the fix: read the attribute from the wrapped layer (the original embedding)
    layer = embeddings.original_module
    assert layer is embeddings.token_adapter.base_layer
    vocab_size = layer.num_embeddings
    assert (vocab_size, layer.embedding_dim, layer.padding_idx) == (128, 32, 0)
    # with the adapter disabled the wrapper answers from the original module
    with model.disable_adapter():
        assert embeddings.num_embeddings == 128
    assert model(input_ids=input_ids).logits.shape == (1, 6, 128)


def test_a_tied_lm_head_in_trainable_token_indices_hides_out_features(tiny_llama: Callable[..., Any]) -> None:
    from peft import LoraConfig, get_peft_model
    from peft.utils.other import TrainableTokensWrapper

    model = get_peft_model(
        tiny_llama(tie_word_embeddings=True), LoraConfig(r=2, target_modules=["q_proj"], trainable_token_indices=[3, 4])
    )
    head = model.get_output_embeddings()
    assert isinstance(head, TrainableTokensWrapper)
    with pytest.raises(AttributeError, match=missing("out_features")) as caught:
        vocab_size = head.out_features

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID

    vocab_size = head.original_module.out_features
    assert vocab_size == 128
