"""fsdp-qlora-uniform-dtype: FSDP flattening a bf16 base with fp32 LoRA weights, on CPU (gloo, 1 rank)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro


@pytest.fixture
def single_rank_group(torch_mod: Any) -> Iterator[None]:
    import torch.distributed as dist

    dist.init_process_group("gloo", store=dist.HashStore(), rank=0, world_size=1)
    try:
        yield
    finally:
        dist.destroy_process_group()


def test_mixed_dtype_flat_param_fails_and_peft_wrap_policy_clears_it(
    tiny_llama: Callable[..., Any], torch_mod: Any, single_rank_group: None
) -> None:
    from peft import LoraConfig, get_peft_model
    from peft.utils.other import fsdp_auto_wrap_policy
    from torch.distributed.fsdp import FullyShardedDataParallel as FSDP

    lora = LoraConfig(task_type="CAUSAL_LM", r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"])
    model = get_peft_model(tiny_llama().to(torch_mod.bfloat16), lora)  # LoRA weights are upcast to fp32
    with pytest.raises(ValueError, match="Must flatten tensors with uniform dtype") as caught:
        FSDP(model, device_id=torch_mod.device("cpu"))

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "fsdp-qlora-uniform-dtype"

    fixed = get_peft_model(tiny_llama().to(torch_mod.bfloat16), lora)
    wrapped = FSDP(fixed, device_id=torch_mod.device("cpu"), auto_wrap_policy=fsdp_auto_wrap_policy(fixed))
    assert wrapped is not None
