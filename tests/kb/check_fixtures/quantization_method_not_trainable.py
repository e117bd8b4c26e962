"""quantization-method-not-trainable: a LoRA model in training whose base carries a quantizer of each kind.

Loading real GGUF or bitsandbytes weights needs packages (and a GPU) this environment lacks, so the
planted state is the part the check and the Trainer read: ``is_quantized`` and a real transformers
quantizer object (GGUF: not trainable; bitsandbytes 4-bit: trainable) on the base model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import Scenario, clean_model


def quantized(quantizer: Any) -> Any:
    model = clean_model().train()
    base = model.get_base_model()
    base.hf_quantizer = quantizer
    base.is_quantized = True
    return model


def fault(tmp_path: Path) -> Scenario:
    from transformers import GgufConfig
    from transformers.quantizers.quantizer_gguf import GgufHfQuantizer

    return Scenario(quantized(GgufHfQuantizer(GgufConfig())), "training")


def clean(tmp_path: Path) -> Scenario:
    from transformers import BitsAndBytesConfig
    from transformers.quantizers.quantizer_bnb_4bit import Bnb4BitHfQuantizer

    return Scenario(quantized(Bnb4BitHfQuantizer(BitsAndBytesConfig(load_in_4bit=True))), "training")
