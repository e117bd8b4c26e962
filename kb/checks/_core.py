"""What every check shares: the context it reads, the finding it returns, and small read-only helpers.

Standard library only at import time; torch, transformers, peft and safetensors are imported inside
the helpers that need them, so this module also loads in the user's own interpreter and on a bare
GPU machine (no pydantic, no rich, nothing else from peft-why).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

CONFIRMED = "confirmed"
NOT_CONFIRMED = "not-confirmed"
NOT_APPLICABLE = "not-applicable"
ERROR = "error"
STATUSES = (CONFIRMED, NOT_CONFIRMED, NOT_APPLICABLE, ERROR)

TRAINING = "training"
INFERENCE = "inference"
PHASES = (TRAINING, INFERENCE)

EVIDENCE_ITEMS = 5  # evidence lists show the first few items, then a count


@dataclass(frozen=True)
class Finding:
    """The verdict of one check on one model or adapter.

    ``status`` is ``confirmed`` (the fault IS present), ``not-confirmed``, ``not-applicable``
    (the check cannot tell here: wrong phase, sharded model, nothing to inspect) or ``error``
    (the check itself failed).
    """

    entry_id: str
    status: str
    message: str
    evidence: tuple[str, ...] = ()
    fix: str = ""
    check: str = ""
    note: str = ""

    @property
    def is_confirmed(self) -> bool:
        return self.status == CONFIRMED

    def __str__(self) -> str:
        lines = [f"{self.status}: {self.entry_id}: {self.message}"]
        lines += [f"  - {line}" for line in self.evidence]
        if self.note:
            lines.append(f"Note: {self.note}")
        if self.fix and self.status in (CONFIRMED, NOT_CONFIRMED):
            lines.append(f"Fix: {self.fix}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["evidence"] = list(self.evidence)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        return cls(
            entry_id=str(data["entry_id"]),
            status=str(data["status"]),
            message=str(data["message"]),
            evidence=tuple(str(item) for item in data.get("evidence", ())),
            fix=str(data.get("fix", "")),
            check=str(data.get("check", "")),
            note=str(data.get("note", "")),
        )


@dataclass
class CheckContext:
    """What a check may look at. Any field may be missing; a check answers not-applicable then.

    ``phase`` is ``training`` or ``inference``; ``requested`` is true when the user asked for this
    one check (``verify``), false when it runs as part of ``diagnose``. ``trainer`` and
    ``training_args`` come from a live failure's frames (a transformers/trl Trainer and its
    TrainingArguments); ``origin`` says where each live object was found (``name: file:line``).
    """

    model: Any = None
    adapter_dir: str | None = None
    base_dir: str | None = None
    phase: str = INFERENCE
    requested: bool = False
    tokenizer: Any = None
    peft_config: Any = None
    extra: dict[str, Any] = field(default_factory=dict)
    trainer: Any = None
    training_args: Any = None
    origin: dict[str, str] = field(default_factory=dict)


def finding(
    entry_id: str, status: str, message: str, evidence: Iterable[str] = (), fix: str = "", note: str = ""
) -> Finding:
    """Build a Finding; the check name follows from the entry id."""
    return Finding(entry_id, status, message, tuple(evidence), fix, entry_id.replace("-", "_"), note)


def sample(items: Iterable[str], limit: int = EVIDENCE_ITEMS) -> list[str]:
    """The first ``limit`` items, then one line saying how many more there are."""
    listed = list(items)
    if len(listed) <= limit:
        return listed
    return [*listed[:limit], f"… and {len(listed) - limit} more"]


# --- the model ---------------------------------------------------------------------------------


def unwrap(model: Any) -> Any:
    """The model under DDP/DataParallel/DeepSpeed engines, ``torch.compile`` and a Trainer."""
    for _ in range(8):
        modules = getattr(model, "_modules", None)
        # torch.compile's OptimizedModule holds the model as a submodule ``_orig_mod``. Not hasattr():
        # a PeftModel forwards unknown attributes to its base, so a PeftModel around a compiled base
        # would be unwrapped down to the bare base.
        if isinstance(modules, dict) and "_orig_mod" in modules:
            model = modules["_orig_mod"]
        elif type(model).__name__ in ("DistributedDataParallel", "DataParallel", "DeepSpeedEngine"):
            model = model.module
        elif not _is_module(model) and _is_module(getattr(model, "model", None)):  # a Trainer
            model = model.model
        else:
            break
    return model


def _is_module(obj: Any) -> bool:
    return callable(getattr(obj, "named_parameters", None)) and callable(getattr(obj, "named_modules", None))


def is_peft_model(model: Any) -> bool:
    return hasattr(model, "peft_config") and callable(getattr(model, "get_base_model", None))


def base_model_of(model: Any) -> Any:
    """The transformers model inside a PeftModel (or the model itself)."""
    if is_peft_model(model):
        return model.get_base_model()
    return model


def sharding(model: Any) -> str | None:
    """Why this model looks sharded (DeepSpeed ZeRO-3, FSDP), or None.

    From one rank a sharded model looks empty or flat, so shape, value and count checks would lie.
    """
    for name, module in model.named_modules():
        kind = type(module).__name__
        if kind == "FullyShardedDataParallel" or (kind.startswith("FSDP") and kind != "FSDP"):
            return f"FSDP: module {name or '<root>'} is {kind}"
    for name, param in model.named_parameters():
        if hasattr(param, "ds_id") or hasattr(param, "ds_status"):
            return f"DeepSpeed ZeRO-3: parameter {name} is partitioned (ds_id)"
        if type(param).__name__ == "DTensor" or type(getattr(param, "data", None)).__name__ == "DTensor":
            return f"FSDP2/DTensor: parameter {name} is a DTensor"
        if type(param).__name__ == "FlatParameter" or "_flat_param" in name:
            return f"FSDP: parameter {name} is a flat parameter"
    return None


def model_precondition(ctx: CheckContext, entry_id: str, phase: str | None = None) -> Finding | None:
    """The not-applicable finding when this model-level check must stay quiet, else None."""
    if ctx.model is None:
        return finding(entry_id, NOT_APPLICABLE, "no model to inspect (this check needs a live model)")
    if phase is not None and ctx.phase != phase:
        return finding(
            entry_id,
            NOT_APPLICABLE,
            f"only a fault in {phase}; the model is being checked for {ctx.phase}",
            note="pass phase=... (or call verify) to check it anyway",
        )
    reason = sharding(unwrap(ctx.model))
    if reason:
        return finding(
            entry_id,
            NOT_APPLICABLE,
            "sharded model: one rank sees only its shard, so this check cannot tell",
            evidence=[reason],
            note="gather the full parameters (or check on one process without sharding)",
        )
    return None


def lora_layers(model: Any) -> Iterator[tuple[str, Any]]:
    """(name, module) for every PEFT LoRA layer (it has ``lora_A``/``lora_B`` or embedding variants)."""
    for name, module in model.named_modules():
        if hasattr(module, "lora_A") and hasattr(module, "lora_B") and hasattr(module, "base_layer"):
            yield name, module


def active_adapter_names(model: Any) -> list[str]:
    adapters = getattr(model, "active_adapters", None)
    if callable(adapters):  # old peft, and transformers' PeftAdapterMixin: a method
        try:
            adapters = adapters()
        except Exception:  # transformers raises on a model without adapters, or with a peft it deems too old
            adapters = None
    if adapters is None:
        adapters = getattr(model, "active_adapter", None)
    if callable(adapters):  # transformers' deprecated active_adapter() method: same failure modes
        adapters = None
    if isinstance(adapters, str):
        return [adapters]
    return list(adapters or [])


def lora_weights(layer: Any, adapter: str) -> dict[str, Any]:
    """The adapter's LoRA tensors in one layer: ``{"A": tensor, "B": tensor}`` when present."""
    found: dict[str, Any] = {}
    for key, attr in (("A", "lora_A"), ("B", "lora_B"), ("A", "lora_embedding_A"), ("B", "lora_embedding_B")):
        container = getattr(layer, attr, None)
        if container is None or adapter not in container:
            continue
        value = container[adapter]
        tensor = getattr(value, "weight", value)
        if hasattr(tensor, "dtype") and key not in found:
            found[key] = tensor
    return found


def base_weight(layer: Any) -> Any:
    base = getattr(layer, "base_layer", layer)
    while hasattr(base, "base_layer"):
        base = base.base_layer
    return getattr(base, "weight", None)


def peft_configs(ctx: CheckContext) -> dict[str, Any]:
    """Adapter name → config (a PeftConfig object or the saved JSON dict)."""
    model = unwrap(ctx.model) if ctx.model is not None else None
    if model is not None and is_peft_model(model):
        return dict(model.peft_config)
    if ctx.peft_config is not None:
        return {"default": ctx.peft_config}
    if ctx.adapter_dir:
        config = read_adapter_config(ctx.adapter_dir)
        if config is not None:
            return {"default": config}
    return {}


def config_value(config: Any, key: str, default: Any = None) -> Any:
    if isinstance(config, dict):
        return config.get(key, default)
    return getattr(config, key, default)


# Name parts of the modules peft adds (wrappers, adapters, copies): not the user's model's own layers.
PEFT_PARTS = ("lora_", "base_layer", "modules_to_save", "original_module", "lora_dropout", "lora_magnitude")
# The config fields peft's ``check_target_module_exists`` reads to decide whether a module is adapted.
MATCH_FIELDS = ("target_modules", "exclude_modules", "modules_to_save", "target_parameters", "layers_to_transform",
                "layers_pattern")  # fmt: skip


def own_modules(model: Any) -> list[tuple[str, Any]]:
    """``model.named_modules()`` without the root and without the modules peft added (``PEFT_PARTS``)."""
    return [
        (name, module)
        for name, module in model.named_modules()
        if name and not any(part.startswith(PEFT_PARTS) for part in name.split("."))
    ]


def target_matcher(config: Any) -> Callable[[str], bool]:
    """Whether peft's own rule (``check_target_module_exists``: names, regex fullmatch, exclusions, layer
    indices) adapts a module of this name under ``config`` (live or read from ``adapter_config.json``)."""
    from types import SimpleNamespace

    from peft.tuners.tuners_utils import check_target_module_exists

    rule = SimpleNamespace(**{key: config_value(config, key) for key in MATCH_FIELDS})
    return lambda name: bool(check_target_module_exists(rule, name))


def enum_text(value: Any) -> str:
    """An enum member's value as text (``PeftType.LORA`` -> ``"LORA"``), anything else through ``str``:
    a live config holds peft's str-enums, one read from ``adapter_config.json`` plain strings."""
    return str(getattr(value, "value", value))


def model_type_of(model: Any) -> str:
    """``config.model_type`` as peft reads it (``get_model_config``: ``custom`` without a config)."""
    config = getattr(model, "config", None)
    if config is None:
        return "custom"
    value = config_value(config, "model_type")
    return str(value) if value else "custom"


# --- the saved files ----------------------------------------------------------------------------

ADAPTER_WEIGHTS = ("adapter_model.safetensors", "adapter_model.bin")


def read_adapter_config(adapter_dir: str) -> dict[str, Any] | None:
    path = os.path.join(adapter_dir, "adapter_config.json")
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    return data if isinstance(data, dict) else None


def adapter_weights_path(adapter_dir: str) -> str | None:
    for name in ADAPTER_WEIGHTS:
        path = os.path.join(adapter_dir, name)
        if os.path.isfile(path):
            return path
    return None


def tensor_shapes(path: str) -> dict[str, tuple[tuple[int, ...], str]]:
    """name → (shape, dtype) of every tensor in a weights file, without reading the data.

    safetensors: from the header. ``.bin``: ``torch.load(weights_only=True, mmap=True)`` on the meta
    device, so no code in the pickle runs and no data is read.
    """
    if path.endswith(".safetensors"):
        with open(path, "rb") as handle:
            length = int.from_bytes(handle.read(8), "little")
            header = json.loads(handle.read(length))
        return {
            name: (tuple(info["shape"]), str(info["dtype"])) for name, info in header.items() if name != "__metadata__"
        }
    import torch

    state = torch.load(path, map_location="meta", weights_only=True, mmap=True)
    return {name: (tuple(value.shape), str(value.dtype)) for name, value in state.items()}


SAVED_PREFIX = "base_model.model."  # peft saves a module's tensors under this prefix
COMPILED = "_orig_mod"  # torch.compile's wrapper part of a module name


def uncompiled(name: str) -> str:
    """A module name without torch.compile's ``_orig_mod`` parts."""
    return ".".join(part for part in name.split(".") if part != COMPILED)


def saved_lora_shapes(path: str) -> dict[tuple[str, str], tuple[int, ...]]:
    """``(module name, "lora_A" | "lora_B") -> shape`` of every non-empty 2-d LoRA tensor in a weights file.

    Module names as the model has them (without ``base_model.model.`` and ``_orig_mod``). Empty
    ``[0]`` tensors (a ZeRO-3 save) and 3-d ``lora_B`` (peft 0.2's MergedLinear) are left out.
    """
    out: dict[tuple[str, str], tuple[int, ...]] = {}
    for name, (shape, _dtype) in tensor_shapes(path).items():
        if not name.endswith((".lora_A.weight", ".lora_B.weight")) or 0 in shape or len(shape) != 2:
            continue
        module_name, kind = name[: -len(".weight")].rsplit(".", 1)
        out[(uncompiled(module_name.removeprefix(SAVED_PREFIX)), kind)] = shape
    return out


@dataclass(frozen=True)
class SavedLora:
    """A saved adapter's LoRA tensors beside the model at hand (``saved_lora``)."""

    path: str
    shapes: dict[tuple[str, str], tuple[int, ...]]  # saved_lora_shapes
    modules: dict[str, Any]  # this model's modules by name, torch.compile's parts left out

    @property
    def missing(self) -> list[str]:
        """The saved adapted modules this model has no module of that name for, sorted."""
        return sorted({name for name, _kind in self.shapes if name not in self.modules})

    def renamed(self, renaming: tuple[str, str]) -> dict[tuple[str, str], tuple[int, ...]]:
        """``shapes`` with each missing module name moved from the old prefix to the new (``module_renaming``)."""
        old, new = renaming
        moved = {name: new + name[len(old) :] for name in self.missing}
        return {(moved.get(name, name), kind): shape for (name, kind), shape in self.shapes.items()}


def saved_lora(ctx: CheckContext, entry_id: str) -> SavedLora | Finding:
    """The context's saved adapter beside its model, or the not-applicable finding why there is none to compare."""
    path = adapter_weights_path(ctx.adapter_dir) if ctx.adapter_dir else None
    if path is None:
        return finding(entry_id, NOT_APPLICABLE, "no saved adapter weights to compare with the model")
    shapes = saved_lora_shapes(path)
    if not shapes:
        return finding(entry_id, NOT_APPLICABLE, "the saved adapter has no (non-empty) LoRA A/B tensors")
    modules = {uncompiled(name): module for name, module in base_model_of(unwrap(ctx.model)).named_modules()}
    return SavedLora(path, shapes, modules)


PLAIN_ATTRIBUTE = (int, float, bool, str, tuple)  # out_features, num_embeddings, padding_idx, kernel_size...


def wrappers_named(model: Any, class_name: str) -> list[tuple[str, Any]]:
    """``(name, module)`` of every module whose class, or a base class, has this name (no peft import)."""
    return [
        (name, module)
        for name, module in model.named_modules()
        if any(klass.__name__ == class_name for klass in type(module).__mro__)
    ]


def unanswered_attributes(wrapper: Any, layer: Any, skip: Iterable[str] = ()) -> tuple[list[str], list[str]]:
    """``(asked, missing)``: the wrapped layer's attributes asked of its wrapper, and those it does not answer.

    Asked, in definition order: the layer's own parameters and its public plain-valued attributes,
    less ``skip``; each through plain ``getattr`` on the wrapper, so the installed wrapper answers.
    """
    skipped = {"training", *skip}
    asked = [name for name, _ in layer.named_parameters(recurse=False) if name not in skipped]
    asked += [
        name
        for name, value in vars(layer).items()
        if not name.startswith("_") and name not in skipped and isinstance(value, PLAIN_ATTRIBUTE)
    ]
    return asked, [name for name in asked if not _answers(wrapper, name)]


def _answers(wrapper: Any, name: str) -> bool:
    try:
        getattr(wrapper, name)
    except AttributeError:
        return False
    return True


def layer_features(layer: Any) -> tuple[int, int] | None:
    """(in_features, out_features) of a Linear-like layer (a LoRA wrapper: of its base layer), or None.

    Linear and quantized linears carry ``in_features``/``out_features``; transformers' Conv1D carries
    ``nx``/``nf``. Convolutions and embeddings are skipped: their LoRA shapes differ, and embedding
    rows are extended-vocab-embeddings' business.
    """
    while hasattr(layer, "base_layer"):
        layer = layer.base_layer
    if type(layer).__name__ == "Conv1D" and isinstance(getattr(layer, "nx", None), int):
        return int(layer.nx), int(layer.nf)
    if "Embedding" in type(layer).__name__ or "Conv" in type(layer).__name__:
        return None
    features = getattr(layer, "in_features", None), getattr(layer, "out_features", None)
    if isinstance(features[0], int) and isinstance(features[1], int):
        return features[0], features[1]
    return None


def lora_misfit(kind: str, shape: tuple[int, ...], features: tuple[int, int]) -> str:
    """What is wrong with a saved ``lora_A`` / ``lora_B`` shape for a layer with these features ("" if fine)."""
    in_features, out_features = features
    if kind == "lora_A" and shape[1] != in_features:
        return f"this layer has in_features={in_features}"
    if kind == "lora_B" and shape[0] != out_features:
        return f"this layer has out_features={out_features}"
    return ""


def lora_misfits(shapes: dict[tuple[str, str], tuple[int, ...]], modules: dict[str, Any]) -> tuple[list[str], int]:
    """The saved LoRA tensors whose shape does not fit their layer among ``modules``, and how many were compared."""
    misfits: list[str] = []
    compared = 0
    for (module_name, kind), shape in sorted(shapes.items()):
        layer = modules.get(module_name)
        features = layer_features(layer) if layer is not None else None
        if features is None:
            continue
        compared += 1
        problem = lora_misfit(kind, shape, features)
        if problem:
            misfits.append(f"{module_name}.{kind}: saved {list(shape)}, {problem}")
    return misfits, compared


def module_renaming(missing: Iterable[str], names: Collection[str]) -> tuple[str, str] | None:
    """The one prefix rename that maps every ``missing`` module name onto a module in ``names``, or None.

    ``model.layers.0.self_attn.q_proj`` missing and ``model.language_model.layers.0.self_attn.q_proj``
    present give ``("model.", "model.language_model.")``: each missing name is matched by its longest
    dotted tail that names exactly one module, and all of them must agree on the same rename. That
    is a module layout that changed (a transformers reorganisation, a wrapper prefix), not another model.
    """
    by_tail: dict[str, list[str]] = {}
    for name in names:
        parts = name.split(".")
        for start in range(len(parts)):
            by_tail.setdefault(".".join(parts[start:]), []).append(name)
    rules: set[tuple[str, str]] = set()
    for name in missing:
        parts = name.split(".")
        rule = None
        for start in range(len(parts) - 1):  # a bare leaf name ("q_proj") never decides
            tail = ".".join(parts[start:])
            if len(by_tail.get(tail, ())) == 1:
                found = by_tail[tail][0]
                rule = (name[: len(name) - len(tail)], found[: len(found) - len(tail)])
                break
        if rule is None or rule[0] == rule[1]:
            return None
        rules.add(rule)
        if len(rules) > 1:
            return None
    return rules.pop() if rules else None


def read_tensors(path: str, names: Iterable[str]) -> dict[str, Any]:
    """Load the named tensors from a weights file to CPU (safetensors, or .bin with weights_only)."""
    wanted = list(names)
    if path.endswith(".safetensors"):
        from safetensors import safe_open

        with safe_open(path, framework="pt", device="cpu") as handle:
            return {name: handle.get_tensor(name) for name in wanted}
    import torch

    state = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    return {name: state[name] for name in wanted}


def read_model_config(model_dir: str | None) -> dict[str, Any] | None:
    if not model_dir:
        return None
    path = os.path.join(model_dir, "config.json")
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    return data if isinstance(data, dict) else None
