"""vera-projection-not-saved: a saved VeRA adapter whose file lacks the shared vera_A/vera_B projections.

With ``save_projection=False`` peft leaves ``base_model.vera_A``/``vera_B`` out of the weights file and
regenerates them at load time from ``projection_prng_key`` (exact only where the PRNG behaves the same);
a config that says ``save_projection: true`` over a file without them fails to load. The check reads
adapter_config.json and the tensor names of the weights file.
"""

from __future__ import annotations

from .api import (
    CONFIRMED,
    NOT_APPLICABLE,
    NOT_CONFIRMED,
    CheckContext,
    Finding,
    adapter_weights_path,
    finding,
    read_adapter_config,
    tensor_shapes,
)

ENTRY = "vera-projection-not-saved"
FIX = (
    "On the machine that trained it, rebuild the VeRA model with save_projection=True and the same "
    "projection_prng_key, copy the vera_lambda_* weights over and save again (and keep save_projection=True)."
)


def check(ctx: CheckContext) -> Finding:
    config = read_adapter_config(ctx.adapter_dir) if ctx.adapter_dir else None
    if config is None or not ctx.adapter_dir:
        return finding(ENTRY, NOT_APPLICABLE, "no saved adapter_config.json to read")
    if str(config.get("peft_type")) != "VERA":
        return finding(ENTRY, NOT_APPLICABLE, f"the saved adapter is {config.get('peft_type')!r}, not VeRA")
    weights = adapter_weights_path(ctx.adapter_dir)
    if weights is None:
        return finding(ENTRY, NOT_APPLICABLE, "no adapter weights file next to adapter_config.json")
    names = set(tensor_shapes(weights))
    stored = sorted(name for name in names if name.startswith("base_model.vera_"))
    flag = config.get("save_projection", True)
    evidence = [
        f"adapter_config.json: save_projection={flag!r}, projection_prng_key={config.get('projection_prng_key')!r}",
        f"{weights.rsplit('/', 1)[-1]}: projections stored: {stored or 'none'}",
    ]
    if not {"base_model.vera_A", "base_model.vera_B"} <= names:
        message = (
            "the VeRA projections are not in the adapter file; they are regenerated from the PRNG key"
            if not flag
            else "adapter_config.json says save_projection=True but the file has no vera_A/vera_B"
        )
        return finding(ENTRY, CONFIRMED, message, evidence, FIX)
    return finding(ENTRY, NOT_CONFIRMED, "the VeRA projections are saved with the adapter", evidence, FIX)
