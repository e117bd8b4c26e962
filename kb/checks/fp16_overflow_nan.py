"""fp16-overflow-nan: a float16 model whose activations leave float16's range on a short probe input.

A float16 model is run once (``torch.no_grad``, in eval mode, its modes restored after) on a few
tokens (the tokenizer's encoding of a fixed sentence, else token ids 1..8) with a forward hook on
every module, which records the first module, in execution order, whose output holds inf or nan,
and the largest finite magnitude seen. The fault shows when an output is not finite: float16 tops
out at 65504, and softmax turns inf logits into nan. Real prompts can overflow where the probe does
not, so a finite probe is evidence, not proof; the largest magnitude says how close it came.
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
    finding,
    model_precondition,
    unwrap,
)

ENTRY = "fp16-overflow-nan"
FP16_MAX = 65504.0
PROBE_TEXT = "The quick brown fox jumps over the lazy dog."
PROBE_IDS = list(range(1, 9))
FIX = (
    "Run the model in bfloat16 (or float32): from_pretrained(base_id, dtype=torch.bfloat16), then load the adapter; "
    "on GPUs without bf16 keep float32."
)


def check(ctx: CheckContext) -> Finding:
    skip = model_precondition(ctx, ENTRY)
    if skip:
        return skip
    import torch

    model = unwrap(ctx.model)
    by_dtype: dict[Any, int] = {}
    for _, param in model.named_parameters():
        if param.is_floating_point():
            by_dtype[param.dtype] = by_dtype.get(param.dtype, 0) + param.numel()
    if not by_dtype or max(by_dtype, key=lambda dtype: by_dtype[dtype]) != torch.float16:
        shares = ", ".join(f"{dtype}: {count:,}" for dtype, count in by_dtype.items()) or "none"
        return finding(ENTRY, NOT_APPLICABLE, "the model does not run in float16", [f"parameters by dtype: {shares}"])
    evidence = [f"float16 parameters: {by_dtype[torch.float16]:,} of {sum(by_dtype.values()):,}"]
    trained = getattr(getattr(base_model_of(model), "config", None), "dtype", None)
    if trained is not None:
        evidence.append(f"config dtype (as saved): {trained}")
    ids = _probe_ids(ctx, model, torch)
    if ids is None:
        return finding(ENTRY, NOT_APPLICABLE, "no input embeddings to feed a probe input", evidence)
    try:
        overflow, largest = _probe(model, ids, torch)
    except Exception as exc:  # a model that needs more than input_ids (pixel values, encoder inputs, ...)
        return finding(ENTRY, NOT_APPLICABLE, f"a probe forward pass failed: {type(exc).__name__}", evidence)
    evidence.append(f"probe input: {ids.shape[-1]} tokens")
    evidence.append(f"largest finite |activation|: {largest[1]:.4g} at {largest[0] or '<root>'}")
    if overflow:
        evidence.append(f"first non-finite output: {overflow}")
        return finding(
            ENTRY,
            CONFIRMED,
            f"float16 activations overflow to inf/nan, first at {overflow}",
            evidence,
            FIX,
        )
    share = 100 * largest[1] / FP16_MAX
    return finding(
        ENTRY,
        NOT_CONFIRMED,
        f"activations stay finite in float16 on the probe (largest {share:.2g}% of 65504)",
        evidence,
        FIX,
    )


def _probe_ids(ctx: CheckContext, model: Any, torch: Any) -> Any:
    getter = getattr(base_model_of(model), "get_input_embeddings", None)
    try:
        embeddings = getter() if callable(getter) else None
    except NotImplementedError:
        embeddings = None
    weight = getattr(embeddings, "weight", None)
    if weight is None:
        return None
    ids = None
    if callable(ctx.tokenizer):
        try:
            ids = list(ctx.tokenizer(PROBE_TEXT)["input_ids"])
        except Exception:  # not a transformers tokenizer
            ids = None
    vocab = int(weight.shape[0])
    ids = [int(i) % vocab for i in (ids or PROBE_IDS)]
    return torch.tensor([ids], device=weight.device)


def _probe(model: Any, ids: Any, torch: Any) -> tuple[str | None, tuple[str, float]]:
    """(first module with a non-finite output or None, (module, largest finite magnitude))."""
    state: dict[str, Any] = {"overflow": None, "largest": ("", 0.0)}

    def record(name: str) -> Any:
        def hook(module: Any, args: Any, output: Any) -> None:
            for tensor in _tensors(output):
                if not tensor.is_floating_point() or tensor.numel() == 0:
                    continue
                finite = torch.isfinite(tensor)
                if state["overflow"] is None and not bool(finite.all()):
                    state["overflow"] = f"{name or '<root>'} ({type(module).__name__}, {tensor.dtype})"
                values = tensor[finite]
                peak = float(values.abs().max()) if values.numel() else 0.0
                if peak > state["largest"][1]:
                    state["largest"] = (name, peak)

        return hook

    # eval mode for the probe so nothing updates (BatchNorm running statistics); each flag is restored after
    modes = [(module, module.training) for module in model.modules()]
    handles = [module.register_forward_hook(record(name)) for name, module in model.named_modules()]
    try:
        model.eval()
        with torch.no_grad():
            model(input_ids=ids)
    finally:
        for handle in handles:
            handle.remove()
        for module, training in modes:
            module.training = training
    return state["overflow"], state["largest"]


def _tensors(output: Any) -> list[Any]:
    if hasattr(output, "dtype") and hasattr(output, "is_floating_point"):
        return [output]
    if isinstance(output, (tuple, list)):
        return [item for item in output if hasattr(item, "is_floating_point")]
    if isinstance(output, dict):  # a ModelOutput is a dict
        return [item for item in output.values() if hasattr(item, "is_floating_point")]
    return []
