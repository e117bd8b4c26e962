"""Fuzzy stage: rapidfuzz similarity of the paste's key lines to each entry's documents.

Robust to messages reworded across releases and to symptom sentences that
paraphrase an alias. Each entry is scored by its best document.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils

from .index import Document, KbIndex, key_texts
from .lexical import LexicalIndex, tokens
from .lexical import prepare as prepare_lexical
from .trace import Trace
from .types import Candidate

MIN_SIMILARITY = 0.6
# token_set_ratio scores a 2-word query contained in a long document at 100;
# below this many tokens a query's similarity is scaled down.
FULL_WEIGHT_TOKENS = 6
# Above this many documents, only the documents of the lexical stage's best RETRIEVE_ENTRIES are compared.
FULL_SCAN_DOCUMENTS = 2000
RETRIEVE_ENTRIES = 100


@dataclass(frozen=True)
class FuzzyIndex:
    """The fuzzy stage's prepared choices: the KB's documents as rapidfuzz processes them, once per KB."""

    documents: tuple[Document, ...]
    processed: list[str]  # a list: rapidfuzz returns list positions, which index ``documents``
    by_entry: dict[str, tuple[int, ...]]  # document numbers of each entry (the restriction on a large KB)
    lexical: LexicalIndex | None  # retrieval on a large KB; None while the KB is small enough to scan


def prepare(index: KbIndex, lexical: LexicalIndex | None = None) -> FuzzyIndex:
    """The fuzzy stage's index for a KB; a large KB also needs the lexical index (built here unless given)."""
    processed = [utils.default_process(doc.text) for doc in index.documents]
    by_entry: dict[str, list[int]] = {}
    for number, doc in enumerate(index.documents):
        by_entry.setdefault(doc.entry_id, []).append(number)
    large = len(processed) > FULL_SCAN_DOCUMENTS
    lexical = (lexical or prepare_lexical(index)) if large else None
    return FuzzyIndex(index.documents, processed, {k: tuple(v) for k, v in by_entry.items()}, lexical)


def candidates(trace: Trace, index: FuzzyIndex, *, limit: int = 20) -> list[Candidate]:
    """Entries whose documents resemble the paste's key lines, best first, at most ``limit``."""
    queries = key_texts(trace)
    if not queries or not index.documents:
        return []
    texts = index.processed
    choices: dict[int, str] | list[str] = texts
    if index.lexical is not None:
        # A large KB: compare only with the documents of the entries that share words with the
        # paste (the lexical index finds them in time proportional to the query, not the KB).
        chosen = index.lexical.top(tokens("\n".join(queries)), RETRIEVE_ENTRIES)
        choices = {n: texts[n] for _s, entry_id, _n in chosen for n in index.by_entry.get(entry_id, ())}
    best: dict[str, tuple[float, str]] = {}
    for query in queries:
        processed = utils.default_process(query)
        weight = min(1.0, len(processed.split()) / FULL_WEIGHT_TOKENS)
        if weight * 100.0 < MIN_SIMILARITY * 100.0:
            continue
        cutoff = MIN_SIMILARITY * 100.0 / weight
        # extract (C, no numpy) returns only documents above the cutoff.
        for _text, similarity, d_index in process.extract(
            processed, choices, scorer=fuzz.token_set_ratio, processor=None, limit=None, score_cutoff=cutoff
        ):
            doc = index.documents[d_index]
            score = float(similarity) / 100.0 * weight
            if score > best.get(doc.entry_id, (0.0, ""))[0]:
                best[doc.entry_id] = (score, f"similar to {doc.kind} {_quote(doc.text)} ({score:.2f})")
    ranked = sorted(best.items(), key=lambda item: (-item[1][0], item[0]))[:limit]
    return [Candidate("fuzzy", entry_id, score, detail) for entry_id, (score, detail) in ranked]


def fuzzy_candidates(trace: Trace, index: KbIndex, *, limit: int = 20) -> list[Candidate]:
    """``candidates`` over choices prepared from ``index`` on the spot (for one-off calls and tests)."""
    return candidates(trace, prepare(index), limit=limit)


def _quote(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")
