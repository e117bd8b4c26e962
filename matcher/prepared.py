"""The stages' prepared indexes for one KB, composed once: what ``diagnose`` holds between pastes.

Each stage module exports ``prepare(...) -> its index`` (built once per KB) and
``candidates(trace, its index, ...)`` (pure, per paste). This bundle builds each
stage's index on first use, so a command that only reads entries (``explain``) pays
for none of them, and a paste pays for each at most once per process. The semantic
stage's vectors are not here: they need the model and a cache directory
(``diagnose.get_vectors``).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import frame_stage, regex_stage
from . import fuzzy as fuzzy_stage
from . import lexical as lexical_stage
from . import symptom as symptom_stage
from . import version as version_stage
from .index import Document, KbIndex, build_index

if TYPE_CHECKING:
    from peft_why.kb.model import Entry


@dataclass(frozen=True)
class Prepared:
    """A KB's documents plus each stage's index, built lazily and then kept."""

    index: KbIndex
    # The BM25 index as the compiled KB cache kept it (``prepared_from_data``): tokenising every
    # document again costs a warm CLI run ~0.1 s on a 70-entry KB. None: built on first use.
    cached_lexical: lexical_stage.LexicalIndex | None = field(default=None, compare=False)
    # Per-KB memo tables of derived answers (e.g. which entries' patterns match a catalogue message):
    # they live and die with the bundle instead of in module globals.
    memo: dict[str, dict[str, Any]] = field(default_factory=dict, compare=False)

    @property
    def entries(self) -> dict[str, Entry]:
        """The entries by id (what ``fuse`` and the evaluation read)."""
        return self.index.entries

    @functools.cached_property
    def regex(self) -> regex_stage.RegexPlan:
        """The regex stage's rules, with the cached required literals where the index carries them."""
        return regex_stage.prepare(self.index.entries.values(), self.index.literals)

    @functools.cached_property
    def frame(self) -> frame_stage.SiteIndex:
        """The frame stage's raise sites, from the index."""
        return frame_stage.prepare(self.index)

    @functools.cached_property
    def lexical(self) -> lexical_stage.LexicalIndex:
        """The lexical stage's BM25 index (from the compiled KB cache when it carried one)."""
        return self.cached_lexical if self.cached_lexical is not None else lexical_stage.prepare(self.index)

    @functools.cached_property
    def fuzzy(self) -> fuzzy_stage.FuzzyIndex:
        """The fuzzy stage's choices (sharing the lexical index when the KB is large enough to need it)."""
        large = len(self.index.documents) > fuzzy_stage.FULL_SCAN_DOCUMENTS
        return fuzzy_stage.prepare(self.index, self.lexical if large else None)

    @functools.cached_property
    def symptom(self) -> symptom_stage.SymptomIndex:
        """The symptom stage's profiles, from the entries' ``presentations``."""
        return symptom_stage.prepare(self.index.entries)

    @functools.cached_property
    def version(self) -> version_stage.VersionPlan:
        """The version stage's entries and the shipped version table."""
        return version_stage.prepare(self.index.entries)

    def without_example(self, entry_id: str, example: int) -> Prepared:
        """The same KB minus one example (a fair leave-one-out test); stage indexes are rebuilt on use."""
        return Prepared(self.index.without_example(entry_id, example))


def prepare(entries: Sequence[Entry]) -> Prepared:
    """The bundle for ``entries`` (retired ones are kept by id but never ranked)."""
    return Prepared(build_index(entries))


def as_prepared(index: KbIndex | Prepared) -> Prepared:
    """``index`` itself when prepared; else a fresh bundle over it (callers that hold a bare ``KbIndex``)."""
    return index if isinstance(index, Prepared) else Prepared(index)


def prepared_data(prepared: Prepared) -> dict[str, Any]:
    """What ``prepared_from_data`` needs, as plain data: documents, semantic texts and each pattern's literal."""
    from .semantic import entry_semantic_texts

    return {
        "semantic_pairs": [list(pair) for pair in entry_semantic_texts(prepared.index)],
        "documents": [[d.entry_id, d.kind, d.text, d.example] for d in prepared.index.documents],
        "literals": prepared.regex.literals(),
        "raise_sites": [list(site) for site in prepared.index.raise_sites],
        "lexical": lexical_stage.index_data(prepared.lexical),
    }


def prepared_from_data(data: Mapping[str, Any], entries: Sequence[Entry]) -> Prepared:
    """The bundle of ``entries`` from cached ``prepared_data`` (no parsing of examples, no regex parsing)."""
    documents = tuple(Document(*row) for row in data["documents"])
    pairs = data.get("semantic_pairs")
    semantic_pairs = tuple((entry_id, text) for entry_id, text in pairs) if pairs is not None else None
    literals = data.get("literals")
    lexical = lexical_stage.index_from_data(data["lexical"]) if "lexical" in data else None
    sites = tuple((entry_id, key, int(example)) for entry_id, key, example in data["raise_sites"])
    index = KbIndex(documents, {e.id: e for e in entries}, semantic_pairs, literals, raise_sites=sites)
    return Prepared(index, lexical)
