"""zero3-partitioned-weights-generate: generate() on weights a ZeRO-3 rank holds only as shards, simulated on CPU.

DeepSpeed is not run: outside its gather hooks a ZeRO-3 rank keeps every parameter's ``data``
as an empty tensor, which is what the test sets by hand.
"""

from __future__ import annotations

from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro


def test_generate_on_partitioned_weights_fails_and_gathered_weights_generate(
    tiny_llama: Callable[..., Any], torch_mod: Any, input_ids: Any
) -> None:
    from peft import LoraConfig, get_peft_model

    model = get_peft_model(tiny_llama(), LoraConfig(r=4, target_modules=["q_proj", "v_proj"]))
    gathered = {name: p.data for name, p in model.named_parameters()}
    for param in model.parameters():
        param.data = torch_mod.empty(0)  # a ZeRO-3 rank outside GatheredParameters / the engine's hooks

    with pytest.raises(RuntimeError, match="'weight' must be 2-D") as caught:
        model.generate(input_ids=input_ids, max_new_tokens=3)

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "zero3-partitioned-weights-generate"

    for name, param in model.named_parameters():  # the fix: generate while the full weights are gathered
        param.data = gathered[name]
    output = model.generate(input_ids=input_ids, max_new_tokens=3, do_sample=False)
    assert output.shape == (1, input_ids.shape[1] + 3)
