"""wrong-task-type: the adapter config's task_type is not the task of the model class it wraps.

``task_type`` picks peft's wrapper (CAUSAL_LM → PeftModelForCausalLM, SEQ_CLS →
PeftModelForSequenceClassification, ...), and each wrapper calls the model as that task's class would
be called. Which task a transformers class serves is in transformers' own auto mappings
(``MODEL_FOR_CAUSAL_LM_MAPPING_NAMES``, ...), so this check looks the model's class up there. A class
no mapping knows (custom code) cannot be judged; ``FEATURE_EXTRACTION`` wraps any model and no
task_type is modules-to-save-missing-head's concern on a classifier, not this one.
"""

from __future__ import annotations

from typing import Any

from .api import (
    CONFIRMED,
    NOT_APPLICABLE,
    NOT_CONFIRMED,
    CheckContext,
    Finding,
    base_model_of,
    config_value,
    enum_text,
    finding,
    model_precondition,
    peft_configs,
    unwrap,
)

ENTRY = "wrong-task-type"
FIX = (
    "Set task_type to the model's head: AutoModelForCausalLM → CAUSAL_LM, AutoModelForSeq2SeqLM → SEQ_2_SEQ_LM, "
    "...ForSequenceClassification → SEQ_CLS, ...ForTokenClassification → TOKEN_CLS, ...ForQuestionAnswering → "
    "QUESTION_ANS (or load the model class that matches the task)."
)
# peft task_type → transformers' auto mapping of the classes that serve it
TASK_MAPPINGS = {
    "CAUSAL_LM": "MODEL_FOR_CAUSAL_LM_MAPPING_NAMES",
    "SEQ_2_SEQ_LM": "MODEL_FOR_SEQ_TO_SEQ_CAUSAL_LM_MAPPING_NAMES",
    "SEQ_CLS": "MODEL_FOR_SEQUENCE_CLASSIFICATION_MAPPING_NAMES",
    "TOKEN_CLS": "MODEL_FOR_TOKEN_CLASSIFICATION_MAPPING_NAMES",
    "QUESTION_ANS": "MODEL_FOR_QUESTION_ANSWERING_MAPPING_NAMES",
}


def check(ctx: CheckContext) -> Finding:
    skip = model_precondition(ctx, ENTRY)
    if skip:
        return skip
    configs = {name: config for name, config in peft_configs(ctx).items() if _task(config)}
    if not configs:
        return finding(ENTRY, NOT_APPLICABLE, "no adapter config with a task_type")
    base = base_model_of(unwrap(ctx.model))
    kind = type(base).__name__
    serves = _tasks_of(kind)
    if not serves:
        return finding(ENTRY, NOT_APPLICABLE, f"{kind} is in none of transformers' task mappings (custom model?)")
    evidence = [f"model class {kind}: a {' / '.join(sorted(serves))} model in transformers' auto mappings"]
    wrong = []
    for name, config in configs.items():
        task = _task(config)
        evidence.append(f"[{name}] task_type: {task}")
        if task in TASK_MAPPINGS and task not in serves:
            wrong.append(f"[{name}] {task}")
    wrapper = type(unwrap(ctx.model)).__name__
    evidence.append(f"wrapper: {wrapper}")
    if wrong:
        return finding(
            ENTRY,
            CONFIRMED,
            f"task_type {', '.join(wrong)} does not fit {kind}, a {' / '.join(sorted(serves))} model",
            evidence,
            FIX,
        )
    return finding(ENTRY, NOT_CONFIRMED, f"task_type fits {kind}", evidence, FIX)


def _task(config: Any) -> str | None:
    """The task_type as a plain string (peft stores a TaskType str-enum, the JSON a string)."""
    task = config_value(config, "task_type")
    if task is None:
        return None
    return enum_text(task)


def _tasks_of(class_name: str) -> set[str]:
    """The peft task types whose transformers auto mapping lists this class."""
    from transformers.models.auto import modeling_auto

    tasks = set()
    for task, mapping_name in TASK_MAPPINGS.items():
        mapping = getattr(modeling_auto, mapping_name, {})
        for value in mapping.values():
            names = value if isinstance(value, (tuple, list)) else (value,)
            if class_name in names:
                tasks.add(task)
                break
    return tasks
