"""merge-replicated-layers-wrong-output: merge_and_unload of LoRA on layer_replication copies, on CPU (silent)."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from peft_why import diagnose_text

pytestmark = pytest.mark.repro

ID = "merge-replicated-layers-wrong-output"


def _replicated(tiny_llama: Callable[..., Any]) -> Any:
    from peft import LoraConfig, get_peft_model

    # layers 0,1 + 1,2 of a 2-layer model -> [0, 1, 1]: the two copies of layer 1 share their base weights
    config = LoraConfig(
        r=4, target_modules=["q_proj", "v_proj"], layer_replication=[[0, 2], [1, 2]], init_lora_weights=False
    )
    return get_peft_model(tiny_llama(), config).eval()


def test_merging_lora_on_replicated_layers_changes_the_outputs_and_unsharing_first_fixes_it(
    tiny_llama: Callable[..., Any], input_ids: Any, torch_mod: Any
) -> None:
    from peft.tuners.lora import LoraLayer

    model = _replicated(tiny_llama)
    layers = model.base_model.model.model.layers
    assert len(layers) == 3
    assert layers[1].self_attn.q_proj.base_layer.weight is layers[2].self_attn.q_proj.base_layer.weight

    with torch_mod.no_grad():
        before = model(input_ids).logits
        merged = model.merge_and_unload()  # no error: the replication guard in LoraModel never fires
        assert (before - merged(input_ids).logits).abs().max() > 1e-2  # both copies' deltas went into one tensor

    symptom = "My model grown with layer_replication gives other logits once I merge the LoRA into the base weights."
    diagnoses = diagnose_text(symptom)
    assert diagnoses and diagnoses[0].id == ID

    model = _replicated(tiny_llama)
    with torch_mod.no_grad():
        before = model(input_ids).logits
        for module in model.modules():  # the fix: give every copy its own base weight, then merge
            if isinstance(module, LoraLayer):
                base = module.get_base_layer()
                base.weight = torch_mod.nn.Parameter(base.weight.detach().clone(), requires_grad=False)
        merged = model.merge_and_unload()
        assert (before - merged(input_ids).logits).abs().max() < 1e-5
