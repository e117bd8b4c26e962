"""adapter-weights-file-missing: an adapter folder with adapter_config.json but no adapter_model.* file, on CPU.

Without the weights file, ``load_peft_weights`` treats the path as a Hub repo id. A local absolute path
fails at once in the Hub client's repo-id validation, and in offline mode a relative one fails in the
cache look-up; no request leaves the machine. The third test answers the two Hub calls the way the
Hub answers for an existing repo without the file (stubs), which is where peft's own message is raised.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

import pytest

from peft_why import diagnose_text

from .conftest import format_exc

pytestmark = pytest.mark.repro

ID = "adapter-weights-file-missing"


def saved_without_weights(tiny_llama: Callable[..., Any], folder: Path) -> Any:
    """A LoRA adapter saved to ``folder``, then its weights file removed; returns the trained model."""
    from peft import LoraConfig, get_peft_model

    model = get_peft_model(tiny_llama(), LoraConfig(r=4, target_modules=["q_proj", "v_proj"]))
    model.save_pretrained(folder)
    os.remove(folder / "adapter_model.safetensors")
    assert (folder / "adapter_config.json").is_file()
    return model


def test_local_folder_without_weights_fails_in_the_hub_client(
    tiny_llama: Callable[..., Any], input_ids: Any, tmp_path: Path
) -> None:
    from huggingface_hub.errors import HFValidationError
    from peft import PeftModel

    folder = tmp_path / "outputs" / "lora"
    trained = saved_without_weights(tiny_llama, folder)
    with pytest.raises(HFValidationError, match="Repo id must be in the form") as caught:
        PeftModel.from_pretrained(tiny_llama(), str(folder))

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID

    trained.save_pretrained(folder)  # the fix: save the adapter (weights and config) again
    loaded = PeftModel.from_pretrained(tiny_llama(), str(folder))
    assert loaded(input_ids).logits.shape == (1, input_ids.shape[1], 128)


def test_relative_folder_without_weights_offline_fails_in_the_cache_lookup(
    tiny_llama: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import huggingface_hub
    from huggingface_hub.errors import LocalEntryNotFoundError
    from peft import PeftModel

    saved_without_weights(tiny_llama, tmp_path / "outputs" / "lora")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(LocalEntryNotFoundError) as caught:
        PeftModel.from_pretrained(tiny_llama(), "outputs/lora")

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID


def test_hub_repo_without_weights_file_gives_peft_message(
    tiny_llama: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import huggingface_hub
    from huggingface_hub.errors import EntryNotFoundError
    from peft.utils import save_and_load

    def no_such_file(repo_id: str, filename: str, **kwargs: Any) -> str:
        raise EntryNotFoundError(f"404 Client Error. Entry Not Found for url: {repo_id}/{filename}")

    saved_without_weights(tiny_llama, tmp_path / "outputs" / "lora")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)  # both Hub calls are stubs
    monkeypatch.setattr(save_and_load, "file_exists", lambda **kwargs: False)
    monkeypatch.setattr(save_and_load, "hf_hub_download", no_such_file)
    with pytest.raises(ValueError, match="Can't find weights for outputs/lora in outputs/lora") as caught:
        save_and_load.load_peft_weights("outputs/lora", device="cpu")

    diagnoses = diagnose_text(format_exc(caught.value))
    assert diagnoses and diagnoses[0].id == ID
