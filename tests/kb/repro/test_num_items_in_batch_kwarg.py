"""num-items-in-batch-kwarg: Trainer hands num_items_in_batch to a remote-code style forward, on CPU."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro


def _remote_code_model() -> Any:
    """Like many trust_remote_code models: forward takes **kwargs and hands them to a strict submodule."""
    import torch
    from transformers import PretrainedConfig, PreTrainedModel

    class Backbone(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = torch.nn.Embedding(128, 16)
            self.proj = torch.nn.Linear(16, 16)
            self.head = torch.nn.Linear(16, 128)

        def forward(self, input_ids: Any, attention_mask: Any = None) -> Any:
            return self.head(self.proj(self.embed(input_ids)))

    class TinyRemoteConfig(PretrainedConfig):
        model_type = "tiny-remote"

    class TinyRemoteLM(PreTrainedModel):
        config_class = TinyRemoteConfig

        def __init__(self, config: Any) -> None:
            super().__init__(config)
            self.backbone = Backbone()
            self.post_init()

        def forward(self, input_ids: Any, attention_mask: Any = None, labels: Any = None, **kwargs: Any) -> Any:
            logits = self.backbone(input_ids, attention_mask=attention_mask, **kwargs)
            loss = torch.nn.functional.cross_entropy(logits.view(-1, 128), labels.view(-1))
            return {"loss": loss, "logits": logits}

    torch.manual_seed(0)
    return TinyRemoteLM(TinyRemoteConfig())


def test_num_items_in_batch_reaches_strict_forward_and_opt_out_trains(torch_mod: Any, tmp_path: Path) -> None:
    from peft import LoraConfig, get_peft_model
    from transformers import Trainer, TrainingArguments

    args = TrainingArguments(output_dir=str(tmp_path), max_steps=1, report_to=[], use_cpu=True, save_strategy="no")
    data = [{"input_ids": [1, 5, 9, 17], "labels": [1, 5, 9, 17]}] * 2

    model = get_peft_model(_remote_code_model(), LoraConfig(r=4, target_modules=["proj"]))
    with pytest.raises(TypeError, match="num_items_in_batch") as caught:
        Trainer(model=model, args=args, train_dataset=data).train()

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "num-items-in-batch-kwarg"

    model = get_peft_model(_remote_code_model(), LoraConfig(r=4, target_modules=["proj"]))
    model.base_model.model.accepts_loss_kwargs = False  # the fix
    Trainer(model=model, args=args, train_dataset=data).train()
