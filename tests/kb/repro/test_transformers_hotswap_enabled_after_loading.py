"""transformers-hotswap-enabled-after-loading: enable_peft_hotswap after load_adapter, on CPU."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro

ID = "transformers-hotswap-enabled-after-loading"


def test_enable_peft_hotswap_after_the_first_adapter_is_refused(
    tiny_llama: Callable[..., Any], tmp_path: Path, input_ids: Any
) -> None:
    from peft import LoraConfig, get_peft_model

    for name in ("first", "second"):
        config = LoraConfig(r=4, target_modules=["q_proj", "v_proj"], init_lora_weights=False)
        get_peft_model(tiny_llama(), config).save_pretrained(str(tmp_path / name))

    model = tiny_llama()
    model.load_adapter(str(tmp_path / "first"))
    with pytest.raises(RuntimeError, match="Call `enable_peft_hotswap` before loading the first adapter") as caught:
        model.enable_peft_hotswap(target_rank=4)
    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID

    # the fix: enable hot-swapping first; the second load_adapter under the same name then swaps the weights
    model = tiny_llama()
    model.enable_peft_hotswap(target_rank=4)
    model.load_adapter(str(tmp_path / "first"))
    before = model(input_ids).logits
    model.load_adapter(str(tmp_path / "second"), adapter_name="default")
    assert list(model.peft_config) == ["default"]
    assert not model(input_ids).logits.allclose(before)
