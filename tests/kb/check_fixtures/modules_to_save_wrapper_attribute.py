"""modules-to-save-wrapper-attribute: a SEQ_CLS LoRA model whose score head sits in a ModulesToSaveWrapper.

The installed peft (>= 0.14) forwards attributes, so the fault is the wrapper as peft 0.7.x shipped it:
no ``__getattr__`` of its own, only torch's ``nn.Module.__getattr__`` (its own parameters, buffers and
submodules). The clean state is the same model with the installed wrapper.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import Scenario, lora, tiny, trained


def head_model() -> Any:
    return trained(lora(tiny("classifier"), task_type="SEQ_CLS"))


def fault(tmp_path: Path) -> Scenario:
    import torch
    from peft.utils.other import ModulesToSaveWrapper

    class Peft07Wrapper(ModulesToSaveWrapper):
        """Attribute lookup as in peft 0.7.1: nothing is forwarded to the wrapped layer."""

        __getattr__ = torch.nn.Module.__getattr__

    model = head_model()
    for module in model.modules():
        if type(module) is ModulesToSaveWrapper:
            module.__class__ = Peft07Wrapper
    return Scenario(model, "inference")


def clean(tmp_path: Path) -> Scenario:
    return Scenario(head_model(), "inference")
