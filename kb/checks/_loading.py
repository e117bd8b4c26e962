"""Load the user's model the way they do, safely, for ``peft-why verify`` (runs in the worker process).

Local paths, or hub names from the local cache only (offline). Never ``trust_remote_code`` unless asked;
``.bin`` weights are opened with ``weights_only=True`` first, so a pickle that would run code is refused;
a model larger than the free memory gets a warning on stderr before it is loaded.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from typing import Any

WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth")


class LoadError(Exception):
    """The model or adapter cannot be loaded (safely)."""


@dataclass
class Loaded:
    model: Any = None
    adapter_dir: str | None = None
    base_dir: str | None = None
    notes: list[str] = field(default_factory=list)


def resolve_dir(name_or_path: str) -> str:
    """A local folder for a path, or for a hub name already in the local cache (never downloads)."""
    name_or_path = os.path.expanduser(name_or_path)
    if os.path.isdir(name_or_path):
        return name_or_path
    if os.path.exists(name_or_path):
        raise LoadError(f"{name_or_path} is a file; give the folder that holds config.json / adapter_config.json")
    try:
        from huggingface_hub import snapshot_download

        return str(snapshot_download(name_or_path, local_files_only=True))
    except Exception as exc:
        raise LoadError(f"{name_or_path!r} is not a folder and not in the local hub cache (offline): {exc}") from None


def resolve_device(device: str) -> str:
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise LoadError("--device cuda, but this interpreter's torch sees no CUDA device")
    return device


def weight_files(folder: str) -> list[str]:
    return [
        os.path.join(folder, name) for name in sorted(os.listdir(folder))
        if name.endswith(WEIGHT_SUFFIXES) and os.path.isfile(os.path.join(folder, name))
    ]  # fmt: skip


def free_memory(device: str) -> int | None:
    """Bytes free on the device (CUDA) or in RAM (Linux MemAvailable); None when unknown."""
    if device.startswith("cuda"):
        import torch

        return int(torch.cuda.mem_get_info()[0])
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def warn_if_too_large(folder: str, device: str) -> None:
    files = [path for path in weight_files(folder) if not path.endswith(".bin") or not _has_safetensors(folder)]
    size = sum(os.path.getsize(path) for path in files)
    free = free_memory(device)
    if free is not None and size > free:
        print(
            f"peft-why: warning: the weights in {folder} take {size / 2**30:.1f} GiB and only "
            f"{free / 2**30:.1f} GiB is free on {device}; loading may swap, fail or be killed",
            file=sys.stderr,
        )


def _has_safetensors(folder: str) -> bool:
    return any(path.endswith(".safetensors") for path in weight_files(folder))


def refuse_unsafe_pickles(folder: str) -> None:
    """Open every ``.bin`` that would be loaded with ``weights_only=True`` (meta device: no data read)."""
    if _has_safetensors(folder):
        return
    import torch

    for path in weight_files(folder):
        if path.endswith((".bin", ".pt", ".pth")):
            try:
                torch.load(path, map_location="meta", weights_only=True, mmap=True)
            except Exception as exc:
                raise LoadError(f"refusing {path}: it does not load with weights_only=True ({exc})") from None


def load(
    model: str | None,
    adapter: str | None,
    *,
    device: str,
    dtype: str,
    trust_remote_code: bool,
    trainable: bool,
) -> Loaded:
    """Load base model (and adapter) as described by the CLI options; see the module docstring."""
    loaded = Loaded(adapter_dir=resolve_dir(adapter) if adapter else None)
    if model is None:
        return loaded  # file-level checks only
    folder = resolve_dir(model)
    if os.path.isfile(os.path.join(folder, "adapter_config.json")) and not os.path.isfile(
        os.path.join(folder, "config.json")
    ):
        if loaded.adapter_dir is None:
            loaded.adapter_dir = folder
        with open(os.path.join(folder, "adapter_config.json"), encoding="utf-8") as handle:
            base_name = json.load(handle).get("base_model_name_or_path")
        if not base_name:
            raise LoadError(f"{folder} is an adapter without base_model_name_or_path; pass the base with --model")
        folder = resolve_dir(base_name)
    loaded.base_dir = folder
    device = resolve_device(device)
    base = load_base(folder, device=device, dtype=dtype, trust_remote_code=trust_remote_code)
    loaded.model = base
    if loaded.adapter_dir:
        refuse_unsafe_pickles(loaded.adapter_dir)
        try:
            from peft import PeftModel

            loaded.model = PeftModel.from_pretrained(base, loaded.adapter_dir, is_trainable=trainable)
        except Exception as exc:  # the fault being verified may be what breaks loading
            loaded.notes.append(adapter_failure(loaded.adapter_dir, exc))
            # peft injects its layers into the base before reading the weights: check a clean base.
            loaded.model = load_base(folder, device=device, dtype=dtype, trust_remote_code=trust_remote_code)
    if trainable:
        loaded.model.train()
    return loaded


def adapter_failure(adapter_dir: str, exc: BaseException) -> str:
    """One line on why the adapter did not load; an adapter made for another base model says so."""
    import re

    text = str(exc)
    mismatch = re.search(
        r"size mismatch for (\S+?): copying a param with shape (torch\.Size\(\[[^\]]*\]\)) from checkpoint, "
        r"the shape in current model is (torch\.Size\(\[[^\]]*\]\))",
        text,
    )
    if mismatch:
        name, saved, here = mismatch.groups()
        return (
            f"the adapter {adapter_dir} was made for another base model ({name}: {saved} saved, {here} here); "
            "checked the base model alone and the adapter files"
        )
    first = " ".join(text.split())[:200]
    return f"the adapter did not load ({type(exc).__name__}: {first}); checked the base model and the adapter files"


def load_base(folder: str, *, device: str, dtype: str, trust_remote_code: bool) -> Any:
    import torch
    import transformers

    config_path = os.path.join(folder, "config.json")
    if not os.path.isfile(config_path):
        raise LoadError(f"{folder} has no config.json (not a transformers model folder)")
    with open(config_path, encoding="utf-8") as handle:
        config = json.load(handle)
    architecture = (config.get("architectures") or [None])[0]
    model_class: Any = getattr(transformers, architecture, None) if architecture else None
    if model_class is None:
        if config.get("auto_map") and not trust_remote_code:
            raise LoadError(f"{architecture or 'this model'} needs its own code; rerun with --trust-remote-code")
        model_class = transformers.AutoModelForCausalLM if architecture else transformers.AutoModel
    refuse_unsafe_pickles(folder)
    warn_if_too_large(folder, device)
    torch_dtype: Any = dtype if dtype == "auto" else getattr(torch, dtype)
    dtype_key = "dtype" if int(transformers.__version__.split(".")[0]) >= 5 else "torch_dtype"
    options = {dtype_key: torch_dtype, "local_files_only": True, "trust_remote_code": trust_remote_code}
    return model_class.from_pretrained(folder, **options).to(device)
