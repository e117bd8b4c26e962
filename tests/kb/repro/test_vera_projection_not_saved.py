"""vera-projection-not-saved: a VeRA adapter saved without its shared projections (save_projection=False)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro

ID = "vera-projection-not-saved"
TARGETS = ["q_proj", "v_proj"]


def formatted(caught: Any, text: str) -> str:
    (warning,) = [w for w in caught if text in str(w.message)]
    return warnings.formatwarning(warning.message, warning.category, warning.filename, warning.lineno)


def test_vera_without_saved_projections_warns_on_save_and_load_and_the_resaved_adapter_does_not(
    tiny_llama: Callable[..., Any], input_ids: Any, tmp_path: Path
) -> None:
    import torch
    from peft import PeftModel, VeraConfig, get_peft_model
    from safetensors.torch import load_file

    def base() -> Any:
        torch.manual_seed(0)  # the same base weights on every call
        return tiny_llama()

    with pytest.warns(UserWarning, match="Specified to not save vera_A and vera_B") as made:
        config = VeraConfig(r=8, target_modules=TARGETS, save_projection=False, init_weights=False)
    assert diagnose_text(formatted(made, "Specified to not save"))[0].id == ID

    trained = get_peft_model(base(), config)
    trained.save_pretrained(tmp_path / "vera")
    assert not [key for key in load_file(tmp_path / "vera" / "adapter_model.safetensors") if "vera_A" in key]
    expected = trained(input_ids).logits

    with pytest.warns(UserWarning, match="Specified to not load vera_A and vera_B from state dictionary") as loaded:
        old = PeftModel.from_pretrained(base(), tmp_path / "vera")
    assert diagnose_text(formatted(loaded, "This means we will be relying on PRNG"))[0].id == ID

    # the fix, on the machine whose PRNG made the projections: rebuild with save_projection=True, copy the
    # trained vectors, save again; the projections are now in the file
    saved = old.peft_config["default"]
    fixed = get_peft_model(
        base(),
        VeraConfig(r=saved.r, target_modules=TARGETS, projection_prng_key=saved.projection_prng_key),
    )
    with torch.no_grad():
        for name, param in old.named_parameters():
            if "vera_lambda" in name:
                fixed.get_parameter(name).copy_(param)
    fixed.save_pretrained(tmp_path / "vera-full")
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        reloaded = PeftModel.from_pretrained(base(), tmp_path / "vera-full")
    assert not [w for w in seen if "vera_A" in str(w.message)]
    assert torch.allclose(reloaded(input_ids).logits, expected)


def test_a_config_claiming_saved_projections_the_file_lacks_fails_to_load(
    tiny_llama: Callable[..., Any], tmp_path: Path
) -> None:
    from peft import PeftModel, VeraConfig, get_peft_model

    with pytest.warns(UserWarning):
        config = VeraConfig(r=8, target_modules=TARGETS, save_projection=False)
    get_peft_model(tiny_llama(), config).save_pretrained(tmp_path / "vera")
    path = tmp_path / "vera" / "adapter_config.json"
    saved = json.loads(path.read_text())
    path.write_text(json.dumps({**saved, "save_projection": True}))  # edited to silence the warning

    with pytest.raises(ValueError, match="however they were not present") as caught:
        PeftModel.from_pretrained(tiny_llama(), tmp_path / "vera")
    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID

    path.write_text(json.dumps(saved))
    with pytest.warns(UserWarning, match="relying on PRNG"):
        PeftModel.from_pretrained(tiny_llama(), tmp_path / "vera")
