"""The floor: plain MiniLM cosine search over each entry's own prose, the figure the matcher must clear.

One vector per entry, from its ``title``, ``root_cause`` and ``fix.summary`` (the words a
reader sees, no examples, aliases or patterns); the query is the paste exactly as given
(the encoder keeps its first 256 tokens). Entries are ranked by cosine: no fusion, no
abstention, no confidence, so on a case where abstaining is right the floor is always
wrong and it never answers at "high". Symptom descriptions are where this search is at
its best, so that is where the matcher's margin over it matters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .metrics import Outcome

if TYPE_CHECKING:
    from .evaluate import CachedCase


def entry_prose(entry: Any) -> str:
    """What the floor embeds for an entry: title, root cause and the fix's summary, one per line."""
    return "\n".join(part.strip() for part in (entry.title, entry.root_cause, entry.fix.summary) if part.strip())


def floor_outcomes(
    cases: Sequence[CachedCase], entries: Mapping[str, Any], encode: Callable[[Sequence[str]], Any]
) -> list[Outcome]:
    """Every case's entries ranked by cosine to the paste (``encode`` returns unit vectors, one row per text)."""
    ids = sorted(entry_id for entry_id, entry in entries.items() if not entry.is_retired)
    matrix = encode([entry_prose(entries[entry_id]) for entry_id in ids])
    out: list[Outcome] = []
    for cached in cases:
        query = encode([cached.case.text])[0]
        sims = [float(row @ query) for row in matrix]
        order = sorted(range(len(ids)), key=lambda i: (-sims[i], ids[i]))
        ranked = tuple(ids[i] for i in order)
        top = sims[order[0]] if order else None
        out.append(Outcome(cached.case.case, cached.facets.group, cached.target, ranked, top, False))
    return out


def floor_encoder() -> tuple[Callable[[Sequence[str]], Any] | None, str | None]:
    """The semantic stage's encoder for the floor row, or None and the reason it is unavailable."""
    from .semantic import ModelUnavailable, load_encoder

    try:
        return load_encoder().encode, None
    except ModelUnavailable as exc:
        return None, str(exc)
