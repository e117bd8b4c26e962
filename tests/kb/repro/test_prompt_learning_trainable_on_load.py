"""prompt-learning-trainable-on-load: a saved prompt-tuning adapter loaded with is_trainable=True, on CPU."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro

ID = "prompt-learning-trainable-on-load"
MESSAGE = "Cannot set a prompt learning adapter to trainable when loading pretrained adapter"


def _saved(tiny_llama: Callable[..., Any], torch: Any, folder: Path) -> Any:
    from peft import PromptTuningConfig, get_peft_model

    trained = get_peft_model(tiny_llama(), PromptTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=4))
    with torch.no_grad():
        trained.prompt_encoder["default"].embedding.weight.add_(1.0)  # stand-in for training
    trained.save_pretrained(folder)
    return trained.prompt_encoder["default"].embedding.weight.detach().clone()


def test_from_pretrained_and_load_adapter_refuse_is_trainable_and_get_peft_model_resumes(
    tiny_llama: Callable[..., Any], torch_mod: Any, tmp_path: Path
) -> None:
    from peft import PeftConfig, PeftModel, get_peft_model, load_peft_weights, set_peft_model_state_dict

    weights = _saved(tiny_llama, torch_mod, tmp_path / "prompt")
    with pytest.raises(ValueError, match=MESSAGE) as caught:
        PeftModel.from_pretrained(tiny_llama(), tmp_path / "prompt", is_trainable=True)

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID

    model = PeftModel.from_pretrained(tiny_llama(), tmp_path / "prompt")
    with pytest.raises(ValueError, match=MESSAGE) as caught:
        model.load_adapter(tmp_path / "prompt", adapter_name="other", is_trainable=True)
    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID

    # the fix: build the adapter for training from its saved config, then load its weights
    config = PeftConfig.from_pretrained(tmp_path / "prompt")
    config.inference_mode = False
    resumed = get_peft_model(tiny_llama(), config)
    set_peft_model_state_dict(resumed, load_peft_weights(str(tmp_path / "prompt")))
    assert torch_mod.equal(resumed.prompt_encoder["default"].embedding.weight, weights)
    assert [name for name, param in resumed.named_parameters() if param.requires_grad] == [
        "prompt_encoder.default.embedding.weight"
    ]
