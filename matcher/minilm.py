"""all-MiniLM-L6-v2 in numpy: the BERT forward pass sentence-transformers runs, without torch.

Why numpy: the semantic extra must not install torch or transformers into the
environment being diagnosed (a resolver would happily upgrade them), and an ONNX
export needs torch to build. A 6-layer, 384-wide BERT is a few matrix products per
layer; with mean pooling and L2 normalisation the vectors equal
sentence-transformers' (cosine >= 0.9999, tested). The weights are read straight
from the model package's ``model.safetensors`` (memory-mapped, no ``safetensors``
package); tokenisation is the ``tokenizers`` library on its ``tokenizer.json``.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

MAX_TOKENS = 256
LAYERS = 6
HEADS = 12
HIDDEN = 384
EPS = 1e-12
_DTYPES = {"F32": "<f4", "F16": "<f2", "I64": "<i8"}


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Every tensor of a safetensors file as a read-only numpy view of a memory map.

    The format is an 8-byte little-endian header length, a JSON header
    (name -> dtype, shape, byte offsets), then the raw little-endian data.
    """
    import numpy as np

    with path.open("rb") as handle:
        (length,) = struct.unpack("<Q", handle.read(8))
        header = json.loads(handle.read(length))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + length)
    tensors: dict[str, np.ndarray] = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = _DTYPES.get(info["dtype"])
        if dtype is None:
            raise ValueError(f"{path}: tensor {name} has unsupported dtype {info['dtype']}")
        start, end = info["data_offsets"]
        tensors[name] = data[start:end].view(dtype).reshape(info["shape"])
    return tensors


def _erf(x: np.ndarray) -> np.ndarray:
    """erf to about 1e-7 (Abramowitz & Stegun 7.1.26): numpy has none, and scipy is not a dependency."""
    import numpy as np

    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return np.asarray(sign * (1.0 - poly * np.exp(-a * a)), dtype=np.float32)


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    import numpy as np

    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return np.asarray((x - mean) / np.sqrt(var + EPS) * weight + bias, dtype=np.float32)


class MiniLM:
    """Sentence vectors from a MiniLM-L6 folder (``model.safetensors`` + ``tokenizer.json``)."""

    def __init__(self, folder: Path) -> None:
        from tokenizers import Tokenizer

        self.weights = read_safetensors(folder / "model.safetensors")
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.no_padding()

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        w = self.weights
        return x @ w[name + ".weight"].T + w[name + ".bias"]  # type: ignore[no-any-return]

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        return _layer_norm(x, self.weights[name + ".weight"], self.weights[name + ".bias"])

    def hidden_states(self, ids: Sequence[int]) -> np.ndarray:
        """The last layer's token states for one unpadded sequence, shape (tokens, HIDDEN)."""
        import numpy as np

        w, n, size = self.weights, len(ids), HIDDEN // HEADS
        x = (
            w["embeddings.word_embeddings.weight"][np.asarray(ids)]
            + w["embeddings.position_embeddings.weight"][:n]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = self._norm(x, "embeddings.LayerNorm")
        for layer in range(LAYERS):
            p = f"encoder.layer.{layer}."
            q, k, v = (
                self._dense(x, p + f"attention.self.{part}").reshape(n, HEADS, size).transpose(1, 0, 2)
                for part in ("query", "key", "value")
            )
            scores = q @ k.transpose(0, 2, 1) / np.float32(np.sqrt(size))
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            context = ((scores / scores.sum(axis=-1, keepdims=True)) @ v).transpose(1, 0, 2).reshape(n, HIDDEN)
            x = self._norm(self._dense(context, p + "attention.output.dense") + x, p + "attention.output.LayerNorm")
            inner = self._dense(x, p + "intermediate.dense")
            inner = inner * 0.5 * (1.0 + _erf(inner / np.float32(np.sqrt(2.0))))  # BERT's exact (erf) GELU
            x = self._norm(self._dense(inner, p + "output.dense") + x, p + "output.LayerNorm")
        return x

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors, one row per text: mean of the token states, L2-normalised (as sentence-transformers).

        Each text runs alone, so no padding enters the attention or the mean.
        """
        import numpy as np

        rows = np.zeros((len(texts), HIDDEN), dtype=np.float32)
        for row, text in enumerate(texts):
            pooled = self.hidden_states(self.tokenizer.encode(text).ids).mean(axis=0)
            rows[row] = pooled / max(float(np.linalg.norm(pooled)), 1e-12)
        return rows
