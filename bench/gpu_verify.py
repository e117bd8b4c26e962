"""GPU check for the verification layer: "Attempting to unscale FP16 gradients" under torch.amp + GradScaler.

On a CUDA machine: builds a tiny Llama from a config, puts it in fp16 with fp16 LoRA weights, runs one
AMP training step with a GradScaler (expects the ValueError), confirms the fault with the
``fp16_unscale_amp`` check, applies the fix (``cast_mixed_precision_params``), reruns the step
(expects success) and shows the check no longer confirms. Also confirms ``device_mismatch`` with a
LoRA matrix moved to the CPU, and checks that ``diagnose()`` on the fixed model confirms nothing.

Uses only torch, transformers, peft and ``kb/checks`` (loaded from this checkout by path, so peft-why
need not be installed). Without CUDA it says so and exits 0. Exit 1 if any expectation fails.

    python bench/gpu_verify.py
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
CHECKS_DIR = Path(__file__).resolve().parent.parent / "kb" / "checks"
FAILURES: list[str] = []


def checks_package() -> Any:
    """kb/checks imported as a private package (standard library + torch/transformers/peft only)."""
    name = "_peft_why_checks"
    spec = importlib.util.spec_from_file_location(
        name, CHECKS_DIR / "__init__.py", submodule_search_locations=[str(CHECKS_DIR)]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return importlib.import_module(f"{name}._runner")


def expect(condition: bool, what: str) -> None:
    print(f"  [{'ok' if condition else 'FAIL'}] {what}")
    if not condition:
        FAILURES.append(what)


def show(finding: Any) -> None:
    print(f"  finding: {finding.status} {finding.entry_id}: {finding.message}")
    for line in finding.evidence[:4]:
        print(f"    - {line}")


def amp_step(model: Any, torch: Any) -> None:
    ids = torch.randint(3, 120, (2, 16), device="cuda")
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    scaler = torch.amp.GradScaler("cuda")
    with torch.autocast("cuda", dtype=torch.float16):
        loss = model(input_ids=ids, labels=ids).loss
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
    optimizer.zero_grad(set_to_none=True)


def main() -> int:
    import torch

    if not torch.cuda.is_available():
        print("gpu_verify: needs a CUDA device (torch.cuda.is_available() is False); nothing to do here.")
        return 0
    import peft
    import transformers
    from peft import LoraConfig, cast_mixed_precision_params, get_peft_model

    LlamaConfig: Any = transformers.LlamaConfig
    LlamaForCausalLM: Any = transformers.LlamaForCausalLM

    runner = checks_package()
    started = time.perf_counter()
    versions = f"torch {torch.__version__}, transformers {transformers.__version__}, peft {peft.__version__}"
    print(f"device: {torch.cuda.get_device_name(0)}; python {sys.version.split()[0]}, {versions}")
    torch.manual_seed(0)
    sizes = dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4)
    config = LlamaConfig(num_key_value_heads=2, vocab_size=128, max_position_embeddings=64, **sizes)
    base = LlamaForCausalLM(config).to("cuda", torch.float16)
    lora = LoraConfig(r=8, lora_alpha=16, target_modules=["q_proj", "v_proj"])
    model: Any = get_peft_model(base, lora, autocast_adapter_dtype=False).train()

    print("1. fp16 model with fp16 LoRA weights, one torch.amp step with GradScaler('cuda'):")
    error = None
    try:
        amp_step(model, torch)
    except ValueError as exc:
        error = str(exc)
    expect(error is not None and "Attempting to unscale FP16 gradients" in error, f"raises: {error!r}")

    print("2. the check on the failing model:")
    finding = runner.verify("fp16-unscale-amp", model)
    show(finding)
    expect(finding.status == "confirmed", "fp16_unscale_amp confirms the fault")

    print("3. the fix: cast_mixed_precision_params(model, dtype=torch.float16), then the same step:")
    cast_mixed_precision_params(model, dtype=torch.float16)
    try:
        amp_step(model, torch)
        expect(True, "the AMP step succeeds")
    except Exception as exc:
        expect(False, f"the AMP step succeeds (got {type(exc).__name__}: {exc})")
    finding = runner.verify("fp16-unscale-amp", model)
    show(finding)
    expect(finding.status == "not-confirmed", "fp16_unscale_amp no longer confirms")
    confirmed = [f.entry_id for f in runner.diagnose(model) if f.status in ("confirmed", "error")]
    expect(not confirmed, f"diagnose() on the fixed model (training phase) confirms nothing: {confirmed}")
    confirmed = [f.entry_id for f in runner.diagnose(model.eval(), phase="inference") if f.status == "error"]
    expect(not confirmed, f"diagnose() in the inference phase raises no check errors: {confirmed}")

    print("4. device mismatch on a real GPU: one lora_A moved to the CPU:")
    layer = model.base_model.model.model.layers[0].self_attn.q_proj
    layer.lora_A.to("cpu")
    finding = runner.verify("device-mismatch", model)
    show(finding)
    expect(finding.status == "confirmed", "device_mismatch confirms")
    try:
        model(input_ids=torch.tensor([[1, 2, 3]], device="cuda"))
        expect(False, "the forward pass fails with a device error")
    except RuntimeError as exc:
        expect("device" in str(exc), f"the forward pass fails: {str(exc).splitlines()[0][:120]}")
    layer.lora_A.to("cuda")
    expect(
        runner.verify("device-mismatch", model).status == "not-confirmed",
        "after moving it back: not confirmed",
    )

    print(f"done in {time.perf_counter() - started:.1f} s; {len(FAILURES)} failed expectation(s)")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
