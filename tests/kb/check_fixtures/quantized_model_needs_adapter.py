"""quantized-model-needs-adapter: a bitsandbytes-4-bit-flagged model in training, without and with LoRA.

Loading real bitsandbytes weights needs the package and a GPU, so the planted state is what Trainer's
check reads: ``is_quantized`` and a real transformers 4-bit quantizer on the model. The fault is the
base itself after get_peft_model (LoRA layers injected, the returned PeftModel dropped); the clean
state is that PeftModel.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import Scenario, lora, tiny


def quantized() -> Any:
    from transformers import BitsAndBytesConfig
    from transformers.quantizers.quantizer_bnb_4bit import Bnb4BitHfQuantizer

    model = tiny()
    model.hf_quantizer = Bnb4BitHfQuantizer(BitsAndBytesConfig(load_in_4bit=True))
    model.is_quantized = True
    return model


def fault(tmp_path: Path) -> Scenario:
    base = quantized()
    lora(base)  # the returned PeftModel is dropped; the base is what reaches Trainer
    return Scenario(base.train(), "training")


def clean(tmp_path: Path) -> Scenario:
    return Scenario(lora(quantized()).train(), "training")
