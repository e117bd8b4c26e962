"""tied-embeddings-in-adapter: LoRA on the lm_head of a model with tied embeddings, merged, on CPU."""

from __future__ import annotations

import warnings
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

pytestmark = pytest.mark.repro

ID = "tied-embeddings-in-adapter"


def _warning_lines(caught: list[warnings.WarningMessage]) -> str:
    """The warnings as Python prints them on stderr: the paste a user would make."""
    return "".join(warnings.formatwarning(w.message, w.category, w.filename, w.lineno, w.line) for w in caught)


def _tie_warnings(caught: list[warnings.WarningMessage]) -> list[warnings.WarningMessage]:
    return [w for w in caught if "`tie_word_embeddings=True` and " in str(w.message)]


def test_lora_on_tied_lm_head_warns_and_merging_changes_the_input_embeddings(tiny_llama: Callable[..., Any]) -> None:
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(r=4, target_modules=["q_proj", "lm_head"], init_lora_weights=False)
    base = tiny_llama(tie_word_embeddings=True)
    embeddings = base.model.embed_tokens.weight.detach().clone()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = get_peft_model(base, config)
    created = _tie_warnings(caught)
    assert created and "ensure_weight_tying" in str(created[0].message)
    diagnoses = diagnose_text(_warning_lines(created))
    assert diagnoses and diagnoses[0].id == ID

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        merged = model.merge_and_unload()
    merging = _tie_warnings(caught)
    assert merging and "tied_target_modules=['lm_head']" in str(merging[0].message)
    diagnoses = diagnose_text(_warning_lines(merging))
    assert diagnoses and diagnoses[0].id == ID
    # the lm_head delta landed in the input embeddings as well: they are one tensor
    assert not merged.model.embed_tokens.weight.detach().equal(embeddings)

    # the fix: untie first (lm_head gets a copy of the embeddings), then adapt and merge
    base = tiny_llama(tie_word_embeddings=False)
    base.lm_head.weight.data = base.model.embed_tokens.weight.data.clone()
    embeddings = base.model.embed_tokens.weight.detach().clone()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        merged = get_peft_model(base, config).merge_and_unload()
    assert not _tie_warnings(caught)
    assert merged.model.embed_tokens.weight.detach().equal(embeddings)
