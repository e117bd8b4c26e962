"""Lexical stage: BM25 over word tokens and CJK character bigrams, one BM25 document per entry.

The docs site reproduces this stage in JavaScript, so every rule below is
stated exactly and uses nothing a browser lacks (no stemming, no stop words, no
Unicode case folding beyond ASCII).

Tokenisation, ``tokens(text) -> list[str]``, applied to a query and to every document:

1. Lower-case ASCII only: ``A``-``Z`` become ``a``-``z``; every other character is kept as is.
2. Scan the text left to right for maximal runs of two kinds (everything else separates runs):

   - a *word run*: ``[a-z0-9_]+``;
   - a *CJK run*: characters in U+3040-U+30FF (kana), U+3400-U+4DBF, U+4E00-U+9FFF,
     U+F900-U+FAFF (CJK ideographs) or U+AC00-U+D7AF (Hangul). All are in the BMP,
     so JavaScript may index UTF-16 code units.

3. A word run: strip leading and trailing ``_``; if what is left has at least 2 characters,
   emit it. If it contains ``_``, also emit each ``_``-separated part of at least 2 characters,
   in order (``use_dora`` gives ``use_dora``, ``use``, ``dora``; ``q_proj`` gives ``q_proj``, ``proj``).
4. A CJK run of length 1 emits that character; a longer run emits each overlapping pair of
   adjacent characters, in order (``梯度缩放`` gives ``梯度``, ``度缩``, ``缩放``).

Tokens are emitted in text order; duplicates count (they are term frequencies).

Documents: an entry's text is its title, its aliases, its symptom patterns with
each backslash escape (a backslash and the character after it) replaced by a space, and the key
lines of each ``examples.match`` text (``index.key_texts``: exception lines, warnings,
else the prose), all masked. The entry's BM25 document is the concatenation of the
token lists of all of these, so an entry is scored by all its texts, not only the
nearest one.

Scoring, with ``N`` entries, ``df(t)`` = number of entries whose document contains token
``t``, ``tf(t, e)`` = count of ``t`` in entry ``e``'s document, ``len(e)`` = its token count,
``avglen`` = mean ``len`` over entries, ``K1 = 1.2``, ``B = 0.75``::

    idf(t)      = ln(1 + (N - df(t) + 0.5) / (df(t) + 0.5))
    part(t, e)  = idf(t) * tf(t, e) * (K1 + 1) / (tf(t, e) + K1 * (1 - B + B * len(e) / avglen))
    bm25(q, e)  = sum of part(t, e) over the DISTINCT tokens t of the query q
    denom(q)    = sum over distinct query tokens t with df(t) > 0 of idf(t) * (K1 + 1)
    score(q, e) = bm25(q, e) / denom(q) * min(1, known(q) / FULL_WEIGHT_TOKENS)

where ``known(q)`` is the number of distinct query tokens with ``df(t) > 0`` and
``FULL_WEIGHT_TOKENS = 4``: a query of one or two known words says too little to name a failure.

``score`` is in 0..1: the share of the query's (known-token) information the entry
covers. Query tokens that no entry contains are left out of the denominator
(words like a user's model name must not dilute the score). The query is the
paste's key lines (``index.key_texts``), joined with newlines. Entries with
``score >= MIN_SCORE`` are returned best first; ties break by entry id.
"""

from __future__ import annotations

import heapq
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .index import KbIndex, key_texts
from .trace import Trace
from .types import Candidate

K1 = 1.2
B = 0.75
MIN_SCORE = 0.15
# A query of one or two known words ("KeyError: 'x'") says too little to name a failure: below this
# many distinct known tokens the score is scaled by known / FULL_WEIGHT_TOKENS.
FULL_WEIGHT_TOKENS = 4

_RUNS = re.compile(r"([a-z0-9_]+)|([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+)")
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ASCII_UPPER = str.maketrans(_UPPER, _UPPER.lower())
MIN_WORD = 2  # shortest word token (rule 3)
_REGEX_ESCAPE = re.compile(r"\\.")


def tokens(text: str) -> list[str]:
    """The lexical tokens of ``text``, by the rules in the module docstring."""
    out: list[str] = []
    for found in _RUNS.finditer(text.translate(_ASCII_UPPER)):
        word, cjk = found.group(1), found.group(2)
        if word is not None:
            word = word.strip("_")
            if len(word) >= MIN_WORD:
                out.append(word)
                if "_" in word:
                    out.extend(part for part in word.split("_") if len(part) >= MIN_WORD)
        elif len(cjk) == 1:
            out.append(cjk)
        else:
            out.extend(cjk[i : i + 2] for i in range(len(cjk) - 1))
    return out


def pattern_text(pattern: str) -> str:
    """A symptom regex as words: each backslash escape becomes a space (``a\\.b`` -> ``a  b``)."""
    return _REGEX_ESCAPE.sub(" ", pattern)


@dataclass(frozen=True)
class LexicalIndex:
    """An inverted index over one BM25 document per entry: cost grows with query terms, not entries."""

    entry_ids: tuple[str, ...]
    postings: dict[str, tuple[tuple[int, float], ...]]  # token -> (entry number, precomputed part/idf)
    idf: dict[str, float]

    def score(self, query_tokens: Iterable[str]) -> tuple[dict[int, float], float]:
        """Raw BM25 per entry number (entries sharing no token are absent) and the normalising denominator."""
        scores: dict[int, float] = {}
        denominator = 0.0
        known = 0
        get = scores.get
        for token in dict.fromkeys(query_tokens):
            idf = self.idf.get(token)
            if idf is None:
                continue
            known += 1
            denominator += idf * (K1 + 1)
            for number, weight in self.postings[token]:
                scores[number] = get(number, 0.0) + idf * weight
        if 0 < known < FULL_WEIGHT_TOKENS:
            denominator *= FULL_WEIGHT_TOKENS / known
        return scores, denominator

    def top(self, query_tokens: Sequence[str], limit: int) -> list[tuple[float, str, int]]:
        """The ``limit`` best ``(normalised score, entry id, entry number)``, ties by id."""
        raw, denominator = self.score(query_tokens)
        if denominator <= 0.0:
            return []
        ids = self.entry_ids
        # entry numbers follow id order, so (-score, number) orders ties by id
        best = heapq.nsmallest(limit, ((-value, number) for number, value in raw.items()))
        return [(-negative / denominator, ids[number], number) for negative, number in best]

    def shared_tokens(self, query_tokens: Sequence[str], number: int, count: int = 4) -> list[str]:
        """The query tokens that contribute most to one entry's score (for evidence)."""
        parts = []
        for token in dict.fromkeys(query_tokens):
            for other, weight in self.postings.get(token, ()):
                if other == number:
                    parts.append((-self.idf[token] * weight, token))
                    break
        return [token for _part, token in sorted(parts)[:count]]


def entry_texts(index: KbIndex) -> dict[str, list[str]]:
    """Every text that stands for an entry: its index documents plus its symptom patterns as words."""
    texts: dict[str, list[str]] = {}
    for document in index.documents:
        texts.setdefault(document.entry_id, []).append(document.text)
    for entry_id in texts:
        entry = index.entries.get(entry_id)
        if entry is not None:
            texts[entry_id].extend(pattern_text(symptom.regex) for symptom in entry.symptoms)
    return texts


def build_lexical_index(texts: Mapping[str, Sequence[str]]) -> LexicalIndex:
    """BM25 postings for ``{entry_id: [texts]}``; entries in id order so numbers are deterministic."""
    entry_ids = tuple(sorted(texts))
    counts: list[dict[str, int]] = []
    lengths: list[int] = []
    for entry_id in entry_ids:
        bag: dict[str, int] = {}
        length = 0
        for text in texts[entry_id]:
            for token in tokens(text):
                bag[token] = bag.get(token, 0) + 1
                length += 1
        counts.append(bag)
        lengths.append(length)
    total = len(entry_ids)
    average = (sum(lengths) / total) if total and sum(lengths) else 1.0
    postings: dict[str, list[tuple[int, float]]] = {}
    for number, bag in enumerate(counts):
        norm = K1 * (1 - B + B * lengths[number] / average)
        for token, tf in bag.items():
            postings.setdefault(token, []).append((number, tf * (K1 + 1) / (tf + norm)))
    idf = {t: math.log(1 + (total - len(p) + 0.5) / (len(p) + 0.5)) for t, p in postings.items()}
    return LexicalIndex(entry_ids, {t: tuple(p) for t, p in postings.items()}, idf)


def index_data(lexical: LexicalIndex) -> dict[str, Any]:
    """The index as plain data for the compiled KB cache (marshal keeps the tuples and the exact floats)."""
    return {"entry_ids": lexical.entry_ids, "postings": lexical.postings, "idf": lexical.idf}


def index_from_data(data: Mapping[str, Any]) -> LexicalIndex:
    """The index back from ``index_data``: the cache's tuples are used as they are (no per-posting copy)."""
    return LexicalIndex(tuple(data["entry_ids"]), dict(data["postings"]), dict(data["idf"]))


def prepare(index: KbIndex) -> LexicalIndex:
    """The lexical stage's index for a KB: BM25 postings over every entry's texts, built once per KB."""
    return build_lexical_index(entry_texts(index))


def candidates(trace: Trace, lexical: LexicalIndex, *, limit: int = 20) -> list[Candidate]:
    """Entries whose texts share the paste's informative words, best first, at most ``limit``."""
    query = tokens("\n".join(key_texts(trace)))
    if not query:
        return []
    out: list[Candidate] = []
    for score, entry_id, number in lexical.top(query, limit):
        if score < MIN_SCORE:
            break
        shared = lexical.shared_tokens(query, number)
        detail = f"shares {', '.join(repr(t) for t in shared)} (bm25 {score:.2f})"
        out.append(Candidate("lexical", entry_id, score, detail))
    return out


def browser_rules() -> dict[str, Any]:
    """The tokeniser's rules and the scoring constants, as data for the paste page's worker.

    The BM25 postings themselves are exported next to them by ``docs/hooks/kb_site.py``.
    """
    return {
        "RUNS": _RUNS,
        "ASCII_UPPER": _UPPER,
        "MIN_WORD": MIN_WORD,
        "K1": K1,
        "MIN_SCORE": MIN_SCORE,
        "FULL_WEIGHT_TOKENS": FULL_WEIGHT_TOKENS,
    }


def lexical_candidates(trace: Trace, index: KbIndex, *, limit: int = 20) -> list[Candidate]:
    """``candidates`` over an index prepared from ``index`` on the spot (for one-off calls and tests)."""
    return candidates(trace, prepare(index), limit=limit)
