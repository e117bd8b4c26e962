"""Find the model a failing program was using, in the locals of its traceback's frames.

For the exception hook: it runs the matched entry's check on the live object. Standard library only;
torch is never imported here (no torch loaded means no model to find).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from ._core import is_peft_model

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
    torch = sys.modules.get("torch")
    if torch is None:
        return []
    module_type = torch.nn.Module
    tb = error.__traceback__ if isinstance(error, BaseException) else error
    frames = []
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    seen: dict[int, FoundModel] = {}
    for frame in reversed(frames):
        where = f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}"
        for name, value in _candidates(frame.f_locals):
            if isinstance(value, module_type) and id(value) not in seen:
                seen[id(value)] = FoundModel(value, f"{where}: {name}", is_peft_model(value))
    found = list(seen.values())
    members = {id(item.model): {id(module) for module in item.model.modules()} for item in found}
    outer = [
        item for item in found
        if not any(other is not item and id(item.model) in members[id(other.model)] for other in found)
    ]  # fmt: skip
    outer.sort(key=lambda item: (not item.is_peft, -len(members[id(item.model)])))
    return outer[:limit]


def _candidates(local_vars: dict[str, Any]) -> list[tuple[str, Any]]:
    pairs = []
    names = [n for n in PREFERRED_NAMES if n in local_vars]
    names += [n for n in local_vars if n not in PREFERRED_NAMES]
    for name in names:
        value = local_vars[name]
        pairs.append((name, value))
        inner = getattr(value, "model", None) if not hasattr(value, "named_parameters") else None
        if inner is not None:  # a Trainer, a pipeline
            pairs.append((f"{name}.model", inner))
        wrapped = getattr(value, "module", None)
        if type(value).__name__ in ("DistributedDataParallel", "DataParallel", "DeepSpeedEngine"):
            pairs.append((f"{name}.module", wrapped))
    return pairs
