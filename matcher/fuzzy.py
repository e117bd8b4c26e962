"""Fuzzy stage: rapidfuzz similarity of the paste's key lines to each entry's documents.

Robust to messages reworded across releases and to symptom sentences that
paraphrase an alias. Each entry is scored by its best document.
"""

from __future__ import annotations

from rapidfuzz import fuzz, process, utils

from .index import KbIndex, key_texts
from .trace import Trace
from .types import Candidate

MIN_SIMILARITY = 0.6
# token_set_ratio scores a 2-word query contained in a long document at 100;
# below this many tokens a query's similarity is scaled down.
FULL_WEIGHT_TOKENS = 6
# Above this many documents, only the documents of the lexical stage's best RETRIEVE_ENTRIES are compared.
FULL_SCAN_DOCUMENTS = 2000
RETRIEVE_ENTRIES = 100


def fuzzy_candidates(trace: Trace, index: KbIndex, *, limit: int = 20) -> list[Candidate]:
    """Entries whose documents resemble the paste's key lines, best first, at most ``limit``."""
    queries = key_texts(trace)
    if not queries or not index.documents:
        return []
    texts = index.processed_texts  # processed once per index, not once per paste
    choices: dict[int, str] | list[str] = texts
    if len(texts) > FULL_SCAN_DOCUMENTS:
        # A large KB: compare only with the documents of the entries that share words with the
        # paste (the lexical index finds them in time proportional to the query, not the KB).
        from .lexical import tokens

        query_tokens = tokens("\n".join(queries))
        chosen = index.lexical.top(query_tokens, RETRIEVE_ENTRIES)
        choices = {n: texts[n] for _s, entry_id, _n in chosen for n in index.documents_by_entry.get(entry_id, ())}
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


def _quote(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")
