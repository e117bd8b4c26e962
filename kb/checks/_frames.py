"""Find what a failing program was using, in the locals of its traceback's frames.

For the exception hook and ``diagnose_exception(verify=True)``: they run the matched entry's check on
the live objects (the model, a PEFT config, a saved adapter folder, a trainer and its training
arguments). Standard library only; torch and peft are never imported here (not loaded means none
of their objects can be in the frames). Looking is bounded (``SCAN_SECONDS``, ``MAX_FRAMES``,
``MAX_LOCALS``) and reads only names, types and a few attributes: no tensor is ever formatted.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from types import FrameType, TracebackType
from typing import Any

from ._core import is_peft_model

# The scan's budget: the innermost frames, so many locals each, and a wall-clock cap on top.
SCAN_SECONDS = 1.0
MAX_FRAMES = 64
MAX_LOCALS = 256
# String locals longer than this are not tried as adapter folders (a path is short).
MAX_PATH_CHARS = 4096

PREFERRED_NAMES = ("model", "self", "peft_model", "base_model", "trainer")


@dataclass(frozen=True)
class FoundModel:
    """A candidate model and where it was found (``file:line in function: name``)."""

    model: Any
    where: str
    is_peft: bool


def find_models(error: BaseException | TracebackType | None, *, limit: int = 5) -> list[FoundModel]:
    """Candidate models in the frames of a traceback, the most likely first.

    Looks at ``self``, ``model``, ``trainer.model`` and any ``PeftModel``/``nn.Module`` in the locals of
    every frame. PeftModels rank first, then outer (top-level) modules before their own submodules; a
    module that is a submodule of a model already found is dropped. Innermost frames are searched first.
    """
    return find_objects(error, limit=limit).models


@dataclass(frozen=True)
class FoundObject:
    """Something a check can use (a PEFT config, a trainer, …) and where it was found."""

    value: Any
    where: str


@dataclass(frozen=True)
class FrameObjects:
    """What the failing frames hold, the most likely first in each list."""

    models: list[FoundModel] = field(default_factory=list)
    peft_configs: list[FoundObject] = field(default_factory=list)
    adapter_dirs: list[FoundObject] = field(default_factory=list)
    trainers: list[FoundObject] = field(default_factory=list)
    training_args: list[FoundObject] = field(default_factory=list)

    def context(self) -> dict[str, Any]:
        """Keyword arguments for ``verify``/``diagnose``: the first of each kind that was found."""
        found: dict[str, Any] = {}
        if self.models:
            found["model"] = self.models[0].model
        for key, items in (
            ("peft_config", self.peft_configs),
            ("adapter_dir", self.adapter_dirs),
            ("trainer", self.trainers),
            ("training_args", self.training_args),
        ):
            if items:
                found[key] = items[0].value
        if "training_args" not in found and "trainer" in found:
            found["training_args"] = getattr(found["trainer"], "args", None)
        return found

    def names(self) -> list[str]:
        """The variable names of the objects ``context()`` passes on (``model``, ``peft_config``, …)."""
        firsts = [item.where for item in self.models[:1]]
        firsts += [
            item[0].where for item in (self.peft_configs, self.adapter_dirs, self.trainers, self.training_args) if item
        ]
        return [where.rsplit(": ", 1)[-1] for where in firsts]


def find_objects(
    error: BaseException | TracebackType | None, *, limit: int = 5, seconds: float = SCAN_SECONDS
) -> FrameObjects:
    """Models, PEFT configs, adapter folders, trainers and training arguments in a traceback's frames.

    Innermost frames first, at most ``MAX_FRAMES`` of them and ``MAX_LOCALS`` locals each, and no
    longer than ``seconds``. An object still being built (``self`` in an ``__init__`` frame, such as
    a PeftModel whose construction raised) is not a model the user has: it is offered only when no
    other model is found. Never raises.
    """
    try:
        return _scan(error, limit, time.monotonic() + seconds)
    except Exception:
        return FrameObjects()


def _scan(error: BaseException | TracebackType | None, limit: int, deadline: float) -> FrameObjects:
    torch = sys.modules.get("torch")
    module_type = torch.nn.Module if torch is not None else None
    tb = error.__traceback__ if isinstance(error, BaseException) else error
    frames: list[FrameType] = []
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    seen: dict[int, FoundModel] = {}
    building: set[int] = set()
    configs: dict[int, FoundObject] = {}
    trainers: dict[int, FoundObject] = {}
    arguments: dict[int, FoundObject] = {}
    adapters: dict[str, FoundObject] = {}
    for frame in reversed(frames[-MAX_FRAMES:]):
        if time.monotonic() > deadline:
            break
        where = f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}"
        local_vars = frame.f_locals
        if frame.f_code.co_name == "__init__" and "self" in local_vars:
            building.add(id(local_vars["self"]))
        for name, value in _candidates(local_vars)[:MAX_LOCALS]:
            here = f"{where}: {name}"
            try:  # one object whose attributes raise must not end the scan
                if module_type is not None and isinstance(value, module_type):
                    if id(value) not in seen:
                        seen[id(value)] = FoundModel(value, here, is_peft_model(value))
                elif _is_peft_config(value):
                    configs.setdefault(id(value), FoundObject(value, here))
                elif isinstance(value, dict) and 0 < len(value) <= 8:
                    for key, item in value.items():  # BaseTuner(model, {adapter_name: config})
                        if _is_peft_config(item):
                            configs.setdefault(id(item), FoundObject(item, f"{here}[{key!r}]"))
                elif _has_class(value, "TrainingArguments"):
                    arguments.setdefault(id(value), FoundObject(value, here))
                elif type(value).__name__.endswith("Trainer") and hasattr(value, "args"):
                    trainers.setdefault(id(value), FoundObject(value, here))
                elif isinstance(value, str) and len(adapters) < 3 and _is_adapter_dir(value):
                    adapters.setdefault(value, FoundObject(value, here))
            except Exception:
                continue
    return FrameObjects(
        _rank_models(list(seen.values()), building, limit),
        list(configs.values()),
        list(adapters.values()),
        list(trainers.values()),
        list(arguments.values()),
    )


def _rank_models(found: list[FoundModel], building: set[int], limit: int) -> list[FoundModel]:
    """PeftModels first, then outer modules before their own submodules (which are dropped).

    Objects still being built count only when nothing else was found: a PeftModel whose ``__init__``
    raised holds the user's model, and that model is what the user has.
    """
    found = [item for item in found if id(item.model) not in building] or found
    members = {id(item.model): {id(module) for module in item.model.modules()} for item in found}
    outer = [
        item for item in found
        if not any(other is not item and id(item.model) in members[id(other.model)] for other in found)
    ]  # fmt: skip
    outer.sort(key=lambda item: (not item.is_peft, -len(members[id(item.model)])))
    return outer[:limit]


def _is_peft_config(value: Any) -> bool:
    """A peft ``PeftConfig`` (isinstance when peft is loaded; its ``peft_type`` field otherwise)."""
    peft = sys.modules.get("peft")
    config_type = getattr(peft, "PeftConfig", None) if peft is not None else None
    if isinstance(config_type, type):
        return isinstance(value, config_type)
    return _has_class(value, "PeftConfig")


def _has_class(value: Any, name: str) -> bool:
    return any(klass.__name__ == name for klass in type(value).__mro__)


def _is_adapter_dir(value: str) -> bool:
    """A string local naming a saved adapter folder (it holds ``adapter_config.json``)."""
    if not value or len(value) > MAX_PATH_CHARS or "\n" in value or "\x00" in value:
        return False
    try:
        return os.path.isfile(os.path.join(os.path.expanduser(value), "adapter_config.json"))
    except (OSError, ValueError):
        return False


def _candidates(local_vars: dict[str, Any]) -> list[tuple[str, Any]]:
    pairs = []
    names = [n for n in PREFERRED_NAMES if n in local_vars]
    names += [n for n in local_vars if n not in PREFERRED_NAMES]
    for name in names:
        value = local_vars[name]
        pairs.append((name, value))
        try:  # user objects may raise anything from __getattr__
            inner = getattr(value, "model", None) if not hasattr(value, "named_parameters") else None
            if inner is not None:  # a Trainer, a pipeline
                pairs.append((f"{name}.model", inner))
            if type(value).__name__ in ("DistributedDataParallel", "DataParallel", "DeepSpeedEngine"):
                pairs.append((f"{name}.module", getattr(value, "module", None)))
        except Exception:
            continue
    return pairs
