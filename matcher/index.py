"""The KB as the similarity stages see it: one list of short, masked documents per entry.

Built once per KB (it only depends on the entries). Plain data: each stage prepares its own
index from it (``prepare`` in each stage module, composed by ``prepared.py``), so this
module knows no stage.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .frames import site_key
from .normalise import mask
from .parse import parse
from .trace import Trace

if TYPE_CHECKING:
    from peft_why.kb.model import Entry

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
    # each symptom pattern's required literal, when known in advance (compiled KB cache)
    literals: Mapping[str, str | None] | None = None
    # (entry_id, frames.site_key, example): where each reproduction's error was raised (the frame stage)
    raise_sites: tuple[tuple[str, str, int], ...] = ()

    def without_example(self, entry_id: str, example: int) -> KbIndex:
        """The same index minus one example, so that example can be a fair test."""
        kept = tuple(d for d in self.documents if not (d.entry_id == entry_id and d.example == example))
        sites = tuple(s for s in self.raise_sites if not (s[0] == entry_id and s[2] == example))
        return KbIndex(kept, self.entries, literals=self.literals, raise_sites=sites)  # literals: patterns only


def build_index(entries: Sequence[Entry]) -> KbIndex:
    """Documents for all non-retired entries, in a deterministic order."""
    documents: list[Document] = []
    sites: list[tuple[str, str, int]] = []
    for entry in sorted(entries, key=lambda e: e.id):
        if entry.is_retired:
            continue
        documents.append(Document(entry.id, "title", mask(entry.title)))
        documents.extend(Document(entry.id, "alias", mask(alias)) for alias in entry.aliases)
        for number, example in enumerate(entry.examples.match):
            trace = parse(example)
            for text in key_texts(trace):
                documents.append(Document(entry.id, "example", text, number))
            if (key := raise_site(trace)) is not None:
                sites.append((entry.id, key, number))
    return KbIndex(tuple(documents), {e.id: e for e in entries}, raise_sites=tuple(sites))


def raise_site(trace: Trace) -> str | None:
    """The ``site_key`` of the frame that raised the paste's final exception, if a library frame did."""
    final = trace.final
    if final is None or not final.frames:
        return None
    return site_key(final.frames[-1])


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
