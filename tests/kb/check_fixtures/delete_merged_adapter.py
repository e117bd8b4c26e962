"""delete-merged-adapter: adapter "sql" merged, then deleted as peft <= 0.20.0 did it.

peft 0.21 refuses to delete a merged adapter, so the deletion is replayed the old way: the adapter's
entries leave every layer's adapter dicts and the config, its merged_adapters record stays.
"""

from __future__ import annotations

from pathlib import Path

from . import Scenario, clean_inference, clean_model, trained


def fault(tmp_path: Path) -> Scenario:
    from peft import LoraConfig

    model = clean_model()
    model.add_adapter("sql", LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"]))
    model.set_adapter("sql")
    trained(model)
    model.base_model.merge_adapter(["sql"])
    for module in model.modules():
        for attr in getattr(module, "adapter_layer_names", ()) + getattr(module, "other_param_names", ()):
            container = getattr(module, attr, None)
            if container is not None and hasattr(container, "keys") and "sql" in container:
                del container["sql"]
        if hasattr(module, "_active_adapter"):
            module._active_adapter = ["default"]  # as old delete_adapter did; set_adapter() would unmerge
    del model.peft_config["sql"]
    model.base_model.active_adapter = "default"
    model.active_adapter = "default"
    return Scenario(model.eval(), "inference")


def clean(tmp_path: Path) -> Scenario:
    model = clean_model()
    model.base_model.merge_adapter()
    scenario = clean_inference(tmp_path)
    return Scenario(model, "inference", scenario.context)
