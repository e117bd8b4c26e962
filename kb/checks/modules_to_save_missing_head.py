"""modules-to-save-missing-head: a newly initialised task head that is neither trained nor saved.

A ``...ForSequenceClassification`` (token classification, QA, ...) built from a base checkpoint gets a
random head. Unless the head is in ``modules_to_save`` (``task_type`` sets that), it stays frozen at
random values and is missing from the saved adapter, so every load gets a new random head.
"""

from __future__ import annotations

from typing import Any

from .api import (
    CONFIRMED,
    NOT_APPLICABLE,
    NOT_CONFIRMED,
    CheckContext,
    Finding,
    adapter_weights_path,
    base_model_of,
    config_value,
    finding,
    is_peft_model,
    model_precondition,
    read_adapter_config,
    read_model_config,
    tensor_shapes,
    unwrap,
)

ENTRY = "modules-to-save-missing-head"
FIX = (
    "Set task_type (e.g. task_type='SEQ_CLS') in the LoraConfig, or list the head in modules_to_save "
    "(e.g. modules_to_save=['score'] / ['classifier']), then train and save again."
)
HEAD_CLASSES = (
    "ForSequenceClassification",
    "ForTokenClassification",
    "ForQuestionAnswering",
    "ForMultipleChoice",
    "ForImageClassification",
    "ForAudioClassification",
)
HEAD_NAMES = ("score", "classifier", "qa_outputs", "classification_head")
HEAD_TASKS = ("SEQ_CLS", "TOKEN_CLS", "QUESTION_ANS")


def check(ctx: CheckContext) -> Finding:
    if ctx.model is None and ctx.adapter_dir:
        return _check_files(ctx)
    skip = model_precondition(ctx, ENTRY)
    if skip:
        return skip
    model = unwrap(ctx.model)
    if not is_peft_model(model):
        return finding(ENTRY, NOT_APPLICABLE, "not a PeftModel")
    base = base_model_of(model)
    kind = type(base).__name__
    if not kind.endswith(HEAD_CLASSES):
        return finding(ENTRY, NOT_APPLICABLE, f"{kind} has no newly initialised task head")
    heads = [(name, module) for name, module in base.named_children() if name in HEAD_NAMES]
    if not heads:
        return finding(ENTRY, NOT_APPLICABLE, f"no head module ({', '.join(HEAD_NAMES)}) found in {kind}")
    missing = [name for name, module in heads if not _is_saved(module)]
    if missing:
        return finding(
            ENTRY,
            CONFIRMED,
            f"the {kind} head {', '.join(missing)} is frozen and not in modules_to_save",
            [f"{name}: {_describe(module)}" for name, module in heads]
            + [f"modules_to_save: {_modules_to_save(model)}", f"task_type: {_task_types(model)}"],
            FIX,
            note="it keeps its random initial values and is not saved with the adapter",
        )
    return finding(
        ENTRY,
        NOT_CONFIRMED,
        f"the head {', '.join(n for n, _ in heads)} is trained and saved",
        [f"{name}: {_describe(module)}" for name, module in heads],
        FIX,
    )


def _is_saved(module: Any) -> bool:
    if type(module).__name__ == "ModulesToSaveWrapper" or hasattr(module, "modules_to_save"):
        return True
    return any(param.requires_grad for param in module.parameters())


def _describe(module: Any) -> str:
    trainable = any(param.requires_grad for param in module.parameters())
    return f"{type(module).__name__}, {'trainable' if trainable else 'frozen'}"


def _modules_to_save(model: Any) -> dict[str, Any]:
    return {name: config_value(config, "modules_to_save") for name, config in model.peft_config.items()}


def _task_types(model: Any) -> dict[str, Any]:
    return {name: str(config_value(config, "task_type")) for name, config in model.peft_config.items()}


def _check_files(ctx: CheckContext) -> Finding:
    config = read_adapter_config(ctx.adapter_dir or "")
    weights = adapter_weights_path(ctx.adapter_dir or "")
    if config is None or weights is None:
        return finding(ENTRY, NOT_APPLICABLE, "no adapter_config.json and adapter weights to inspect")
    base_config = read_model_config(ctx.base_dir) or {}
    architectures = base_config.get("architectures") or []
    task = config.get("task_type")
    if task not in HEAD_TASKS and not any(str(arch).endswith(HEAD_CLASSES) for arch in architectures):
        return finding(ENTRY, NOT_APPLICABLE, f"the adapter is not for a task with a new head (task_type={task})")
    saved = [name for name in tensor_shapes(weights) if any(f".{head}." in f".{name}" for head in HEAD_NAMES)]
    if saved:
        return finding(ENTRY, NOT_CONFIRMED, "the saved adapter contains the head", saved[:3], FIX)
    return finding(
        ENTRY,
        CONFIRMED,
        "the saved adapter has no head weights: loading it gives a random head",
        [
            f"task_type: {task}",
            f"modules_to_save: {config.get('modules_to_save')}",
            f"architectures: {architectures or 'unknown (pass the base model dir)'}",
        ],
        FIX,
    )
