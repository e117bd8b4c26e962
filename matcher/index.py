"""The KB as the similarity stages see it: one list of short, masked documents per entry.

Built once per KB (it only depends on the entries) and shared by the lexical,
fuzzy and semantic stages, so each stage stays a pure function of (trace, index).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .normalise import mask
from .trace import Trace

if TYPE_CHECKING:
    from peft_why.kb.model import Entry, Symptom

    from .lexical import LexicalIndex
    from .symptom import SymptomIndex

MAX_DOC_CHARS = 600


@dataclass(frozen=True)
class Document:
    """One text that stands for an entry: an alias, the key lines of an example, the title."""

    entry_id: str
    kind: str  # "alias" | "example" | "title"
    text: str
    example: int = -1  # index into examples.match, for leave-one-out evaluation


@dataclass(frozen=True)
class KbIndex:
    """Documents of every rankable entry, plus the entries themselves by id."""

    documents: tuple[Document, ...]
    entries: dict[str, Entry]
    # (entry_id, text) pairs the semantic stage embeds, when known in advance (compiled KB cache)
    semantic_pairs: tuple[tuple[str, str], ...] | None = None

    def without_example(self, entry_id: str, example: int) -> KbIndex:
        """The same index minus one example, so that example can be a fair test."""
        kept = tuple(d for d in self.documents if not (d.entry_id == entry_id and d.example == example))
        return KbIndex(kept, self.entries)

    @functools.cached_property
    def regex_plan(self) -> tuple[tuple[str | None, Entry, Symptom], ...]:
        """``(required literal, entry, symptom)`` for every symptom of every active entry, in id order."""
        from .regex_stage import required_literal

        return tuple(
            (required_literal(symptom.regex), entry, symptom)
            for entry_id, entry in sorted(self.entries.items())
            if not entry.is_retired
            for symptom in entry.symptoms
        )

    @functools.cached_property
    def documents_by_entry(self) -> dict[str, list[int]]:
        """Document numbers of each entry (the fuzzy stage's restriction on a large KB)."""
        out: dict[str, list[int]] = {}
        for number, doc in enumerate(self.documents):
            out.setdefault(doc.entry_id, []).append(number)
        return out

    @functools.cached_property
    def processed_texts(self) -> list[str]:
        """Document texts as rapidfuzz's ``default_process`` leaves them (the fuzzy stage's choices)."""
        from rapidfuzz import utils

        return [utils.default_process(doc.text) for doc in self.documents]

    @functools.cached_property
    def lexical(self) -> LexicalIndex:
        """The BM25 inverted index over these documents, built on first use."""
        from .lexical import build_lexical_index, entry_texts

        return build_lexical_index(entry_texts(self))

    @functools.cached_property
    def symptoms(self) -> SymptomIndex:
        """The symptom stage's profiles, from the entries' ``presentations`` (built on first use)."""
        from .symptom import build_symptom_index

        return build_symptom_index(
            {
                entry_id: [(p.observation, p.context) for p in entry.presentations]
                for entry_id, entry in self.entries.items()
                if entry.presentations and not entry.is_retired
            }
        )


def build_index(entries: Sequence[Entry]) -> KbIndex:
    """Documents for all non-retired entries, in a deterministic order."""
    from .parse import parse  # local: parse imports nothing heavy, but keeps the module graph acyclic

    documents: list[Document] = []
    for entry in sorted(entries, key=lambda e: e.id):
        if entry.is_retired:
            continue
        documents.append(Document(entry.id, "title", mask(entry.title)))
        documents.extend(Document(entry.id, "alias", mask(alias)) for alias in entry.aliases)
        for number, example in enumerate(entry.examples.match):
            for text in key_texts(parse(example)):
                documents.append(Document(entry.id, "example", text, number))
    return KbIndex(tuple(documents), {e.id: e for e in entries})


def index_data(index: KbIndex) -> dict[str, Any]:
    """What ``index_from_data`` needs, JSON-ready: the documents and each pattern's required literal."""
    from .semantic import entry_semantic_texts

    return {
        "semantic_pairs": [list(pair) for pair in entry_semantic_texts(index)],
        "documents": [[d.entry_id, d.kind, d.text, d.example] for d in index.documents],
        "literals": {symptom.regex: literal for literal, _entry, symptom in index.regex_plan},
    }


def index_from_data(data: dict[str, Any], entries: Sequence[Entry]) -> KbIndex:
    """The index of ``entries`` from cached ``index_data`` (no parsing of examples, no regex parsing)."""
    from .regex_stage import prime_literals

    prime_literals(data.get("literals", {}))
    documents = tuple(Document(*row) for row in data["documents"])
    pairs = data.get("semantic_pairs")
    semantic_pairs = tuple((entry_id, text) for entry_id, text in pairs) if pairs is not None else None
    return KbIndex(documents, {e.id: e for e in entries}, semantic_pairs)


def key_texts(trace: Trace) -> list[str]:
    """The parts of a paste that say what went wrong, masked: exception lines, warnings, else the prose.

    Long tracebacks are mostly frames that every failure shares; the final
    exception (and its cause) is what distinguishes them.
    """
    texts = [mask(block.headline)[:MAX_DOC_CHARS] for block in trace.exceptions[-2:]]
    texts += [mask(f"{w.category}: {w.message}")[:MAX_DOC_CHARS] for w in trace.warnings[:3]]
    if not texts:
        prose = " ".join(line.strip() for line in trace.normalised.split("\n") if line.strip())
        if prose:
            texts.append(prose[-MAX_DOC_CHARS:])
    return texts
