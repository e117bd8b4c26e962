"""Build step: export the packaged all-MiniLM-L6-v2 to ONNX for the torch-free query encoder.

Usage: python scripts/export_onnx.py [OUT.onnx]   (default: the venv's share/peft-why/ folder)

Needs torch + transformers (dev dependencies); the run-time encoder needs only
onnxruntime, tokenizers and numpy. The output (~90 MB) is never committed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


def main() -> int:
    from peft_why.matcher.semantic import default_onnx_path, verified_model

    model_dir = verified_model()
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else default_onnx_path()
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()

    class Wrapper(torch.nn.Module):
        # transformers 5 takes use_cache positionally: pass keywords only.
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.inner(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=torch.zeros_like(input_ids),
            ).last_hidden_state

    ids = torch.ones((1, 16), dtype=torch.long)
    mask = torch.ones((1, 16), dtype=torch.long)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    torch.onnx.export(
        Wrapper(model),
        (ids, mask),
        str(tmp),
        input_names=["input_ids", "attention_mask"],
        output_names=["last_hidden_state"],
        dynamic_axes={
            "input_ids": {0: "batch", 1: "seq"},
            "attention_mask": {0: "batch", 1: "seq"},
            "last_hidden_state": {0: "batch", 1: "seq"},
        },
        opset_version=17,
        dynamo=False,
    )
    tmp.replace(out)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
