"""target-modules-unspecified: no target_modules for a model PEFT has no defaults for."""

from __future__ import annotations

from typing import Any

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro


def _custom_model(torch: Any) -> Any:
    class TwoLayer(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.up = torch.nn.Linear(8, 16)
            self.down = torch.nn.Linear(16, 8)

        def forward(self, x: Any) -> Any:
            return self.down(torch.relu(self.up(x)))

    return TwoLayer()


def test_custom_model_without_targets_fails_and_explicit_names_fix_it(torch_mod: Any, seeded: None) -> None:
    from peft import LoraConfig, get_peft_model

    with pytest.raises(ValueError, match="Please specify `target_modules`") as caught:
        get_peft_model(_custom_model(torch_mod), LoraConfig(r=2))

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "target-modules-unspecified"

    fixed = get_peft_model(_custom_model(torch_mod), LoraConfig(r=2, target_modules=["up", "down"]))
    assert sorted(fixed.targeted_module_names) == ["down", "up"]
