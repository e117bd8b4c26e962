"""adalora-update-and-allocate-not-called: AdaLoRA's rank allocator skipped or fed cleared gradients, on CPU."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro

TOTAL_STEPS = 8


def _adalora(tiny_llama: Callable[..., Any]) -> Any:
    from peft import AdaLoraConfig, get_peft_model

    config = AdaLoraConfig(
        init_r=6, target_r=2, tinit=1, tfinal=2, deltaT=1, total_step=TOTAL_STEPS, target_modules=["q_proj", "v_proj"]
    )
    return get_peft_model(tiny_llama(), config)


def _train(model: Any, torch: Any, input_ids: Any, after_step: Callable[[Any, int, Any], None]) -> None:
    model.train()
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    for step in range(TOTAL_STEPS):
        model(input_ids=input_ids, labels=input_ids).loss.backward()
        optimizer.step()
        after_step(model, step, optimizer)


def test_allocator_after_zero_grad_fails_and_never_calling_it_keeps_every_rank(
    tiny_llama: Callable[..., Any], torch_mod: Any, input_ids: Any
) -> None:
    never = _adalora(tiny_llama)
    _train(never, torch_mod, input_ids, lambda model, step, optimizer: optimizer.zero_grad())
    assert never.peft_config["default"].rank_pattern is None  # silent: no rank was ever pruned

    def after_zero_grad(model: Any, step: int, optimizer: Any) -> None:  # where Trainer's on_step_end runs
        optimizer.zero_grad()
        model.base_model.update_and_allocate(step)

    with pytest.raises(TypeError, match="'Parameter' and 'NoneType'") as caught:
        _train(_adalora(tiny_llama), torch_mod, input_ids, after_zero_grad)

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == "adalora-update-and-allocate-not-called"

    def before_zero_grad(model: Any, step: int, optimizer: Any) -> None:  # the fix
        model.base_model.update_and_allocate(step)
        optimizer.zero_grad()

    fixed = _adalora(tiny_llama)
    _train(fixed, torch_mod, input_ids, before_zero_grad)
    rank_pattern = fixed.peft_config["default"].rank_pattern
    assert rank_pattern and sum(sum(kept) for kept in rank_pattern.values()) == 2 * len(rank_pattern)  # target_r
