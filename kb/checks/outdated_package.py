"""outdated-package: adapter_config.json has keys the installed peft does not know.

The adapter was saved by a newer peft. Depending on the installed release the unknown keys are
dropped silently (≤0.5), raise ``TypeError: ... unexpected keyword argument`` (0.6–0.13) or are
dropped with a warning (≥0.14) — and a feature the adapter relies on (``use_dora``, ...) is lost.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from .api import (
    CONFIRMED,
    NOT_APPLICABLE,
    NOT_CONFIRMED,
    CheckContext,
    Finding,
    finding,
    read_adapter_config,
    sample,
)

ENTRY = "outdated-package"
# Keys peft 0.3.0 removed: they mark an adapter *older* than peft 0.3 (legacy-adapter-format), where
# upgrading does not help, so they are not counted as keys from a newer peft.
REMOVED_KEYS = frozenset({"enable_lora", "merge_weights"})
FIX = "Upgrade peft to the release that saved the adapter (at least): pip install -U peft"


def check(ctx: CheckContext) -> Finding:
    config = read_adapter_config(ctx.adapter_dir) if ctx.adapter_dir else None
    if config is None:
        return finding(
            ENTRY,
            NOT_APPLICABLE,
            "no adapter_config.json to compare with the installed peft",
            note="a loaded model's config was already parsed by the installed peft",
        )
    import peft

    peft_type = str(config.get("peft_type", "LORA"))
    config_class = _config_class(peft_type)
    installed = getattr(peft, "__version__", "unknown")
    if config_class is None:
        return finding(
            ENTRY,
            CONFIRMED,
            f"peft {installed} has no config class for peft_type {peft_type}",
            [f"peft_type: {peft_type}"],
            FIX,
        )
    known = {item.name for item in dataclasses.fields(config_class)}
    unknown = sorted(key for key in config if key not in known and key not in REMOVED_KEYS)
    evidence = [f"installed peft {installed}, {config_class.__name__}"]
    saved_by = config.get("peft_version")
    if saved_by:
        evidence.append(f"saved by peft {saved_by}")
    if unknown:
        return finding(
            ENTRY,
            CONFIRMED,
            f"{len(unknown)} adapter_config.json keys unknown to {config_class.__name__}: "
            + ", ".join(unknown[:5])
            + (" …" if len(unknown) > 5 else ""),
            evidence + sample(f"unknown key {key} = {config[key]!r}" for key in unknown),
            FIX,
        )
    return finding(ENTRY, NOT_CONFIRMED, f"every key is known to {config_class.__name__}", evidence, FIX)


def _config_class(peft_type: str) -> Any | None:
    import peft

    for module_name in ("peft.mapping", "peft.utils.peft_types", "peft.config"):
        try:
            module = __import__(module_name, fromlist=["PEFT_TYPE_TO_CONFIG_MAPPING"])
        except ImportError:
            continue
        mapping = getattr(module, "PEFT_TYPE_TO_CONFIG_MAPPING", None)
        if mapping and peft_type in mapping:
            return mapping[peft_type]
    for name in dir(peft):  # very old peft: look the class up by name
        if name.lower() == f"{peft_type.lower()}config":
            return getattr(peft, name)
    return None
