"""Build step: the shipped entries' vectors, encoded by sentence-transformers (the reference encoder).

Usage: python scripts/build_vectors.py   (writes kb/data/semantic-vectors.npy + .json; commit both)

Rerun after changing entries (``make vectors``): tests/matcher/test_semantic.py and
tests/test_provenance.py fail while the artefact does not match the KB. The manifest's
``provenance`` header records the hash of the embedded texts (scripts/provenance.py).
At run time texts missing from it are encoded by the ONNX encoder into the user cache,
so a stale artefact is slow, not wrong.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.pop("PEFT_WHY_KB_PATH", None)

OUT = Path(__file__).resolve().parent.parent / "kb" / "data" / "semantic-vectors.npy"
GENERATOR_VERSION = 1  # bump when the vectors' meaning changes (texts chosen, encoder settings)


def main() -> int:
    from peft_why.kb.loader import load_kb
    from peft_why.matcher.index import build_index
    from peft_why.matcher.semantic import entry_semantic_texts, text_key, verified_model, write_store

    kb = load_kb(include_env=False)
    texts = sorted({text for _entry, text in entry_semantic_texts(build_index(kb.active))})
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(verified_model()), device="cpu")
    vectors = model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
    from provenance import expected

    stamp = expected("kb/data/semantic-vectors")
    rows = {text_key(t): v for t, v in zip(texts, vectors)}
    write_store(OUT, rows, encoder="sentence-transformers", provenance=stamp)
    print(f"wrote {OUT} ({len(texts)} texts)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
