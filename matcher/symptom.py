"""Symptom stage: what the user *sees* and *did*, matched against the entries' presentations.

A symptom description carries no error text for the regex, lexical and fuzzy stages to
hold on to ("after merging the 4-bit model the answers changed"; "合并之后输出不一样了").
This stage reads it as facets from a small bilingual lexicon (``symptom_lexicon``):
observations (``see:``) and context (``did:``). The same lexicon turns each entry's
``presentations`` into declared facets, so the entries' own prose is the only place a
failure's presentation is written down.

Scoring, per presentation ``p`` of an entry (``O`` its observations, ``C`` its context,
``S``/``D`` the paste's), with facet weights ``w(f) = ln(1 + P / df(f))`` over the ``P``
entries that have presentations (a facet shared by many entries says less)::

    obs(p)   = w(O & S) / w(O)            -- 0 when O & S is empty: no observation, no vote
    ctx(p)   = w(C & D) / w(C)            -- 0.5 when p declares no context
    score(p) = OBS_SHARE * obs(p) + (1 - OBS_SHARE) * ctx(p)
    score    = max over p, times (1 - EXTRA_PENALTY) for each paste context facet the entry
               never declares (at most MAX_EXTRA of them count)

An observation is required: context words alone ("I merged the 4-bit model") name nothing,
and neither do generic words, which the lexicon does not contain. A paste that holds an
exception is scaled by ``WITH_EXCEPTION``: its error text is better evidence than the prose
around it, and the other stages read that.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .trace import Trace
from .types import Candidate

if TYPE_CHECKING:
    from peft_why.kb.model import Entry

OBS_SHARE = 0.5
EXTRA_PENALTY = 0.12
MAX_EXTRA = 3
WITH_EXCEPTION = 0.5
MIN_SCORE = 0.2


@functools.lru_cache(maxsize=1)
def _compiled() -> tuple[tuple[str, re.Pattern[str]], ...]:
    from .symptom_lexicon import ALL

    return tuple(
        (facet, re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)) for facet, patterns in ALL.items()
    )


def facets(text: str) -> dict[str, int]:
    """The lexicon facets found in ``text``, each with the 1-based line of its first occurrence."""
    found: dict[str, int] = {}
    for facet, pattern in _compiled():
        hit = pattern.search(text)
        if hit is not None:
            found[facet] = text.count("\n", 0, hit.start()) + 1
    return found


def split(found: Mapping[str, int] | Sequence[str]) -> tuple[frozenset[str], frozenset[str]]:
    """``(observations, context)`` of a facet collection."""
    names = frozenset(found)
    return frozenset(f for f in names if f.startswith("see:")), frozenset(f for f in names if f.startswith("did:"))


@dataclass(frozen=True)
class Profile:
    """One entry's declared facets: one ``(observations, context)`` pair per presentation."""

    entry_id: str
    presentations: tuple[tuple[frozenset[str], frozenset[str]], ...]

    @property
    def context(self) -> frozenset[str]:
        """Every context facet any of its presentations declares."""
        return frozenset().union(*(ctx for _obs, ctx in self.presentations))

    @property
    def declared(self) -> frozenset[str]:
        """Every facet, observation or context, any of its presentations declares."""
        return frozenset().union(*(obs | ctx for obs, ctx in self.presentations))


@dataclass(frozen=True)
class SymptomIndex:
    """The profiles of every entry with presentations, and the facet weights."""

    profiles: tuple[Profile, ...]
    weights: dict[str, float]

    def weight(self, names: frozenset[str]) -> float:
        """Total weight of a set of facets (unknown facets weigh nothing)."""
        return sum(self.weights.get(name, 0.0) for name in names)


def build_symptom_index(presentations: Mapping[str, Sequence[tuple[str, str]]]) -> SymptomIndex:
    """Profiles from ``{entry_id: [(observation, context), ...]}``; entries in id order.

    A presentation whose observation the lexicon cannot read is skipped (``kb lint``'s
    business to report, not the matcher's).
    """
    profiles: list[Profile] = []
    for entry_id in sorted(presentations):
        pairs = []
        for observation, context in presentations[entry_id]:
            obs, obs_ctx = split(facets(observation))
            ctx = split(facets(context))[1] | obs_ctx
            if obs:
                pairs.append((obs, ctx))
        if pairs:
            profiles.append(Profile(entry_id, tuple(pairs)))
    df: dict[str, int] = {}
    for profile in profiles:
        for name in profile.declared:
            df[name] = df.get(name, 0) + 1
    total = len(profiles)
    weights = {name: math.log(1 + total / count) for name, count in df.items()}
    return SymptomIndex(tuple(profiles), weights)


def prepare(entries: Mapping[str, Entry]) -> SymptomIndex:
    """The stage's index over the active entries' ``presentations`` (built once per KB)."""
    return build_symptom_index(
        {
            entry_id: [(p.observation, p.context) for p in entry.presentations]
            for entry_id, entry in entries.items()
            if entry.presentations and not entry.is_retired
        }
    )


def profile_score(profile: Profile, seen: frozenset[str], did: frozenset[str], index: SymptomIndex) -> float:
    """How well the paste's facets fit one entry (0..1), by the module docstring's formula."""
    best = 0.0
    for obs, ctx in profile.presentations:
        shared = obs & seen
        if not shared:
            continue
        obs_part = index.weight(shared) / max(index.weight(obs), 1e-9)
        ctx_part = index.weight(ctx & did) / index.weight(ctx) if ctx and index.weight(ctx) > 0 else 0.5
        best = max(best, OBS_SHARE * obs_part + (1 - OBS_SHARE) * ctx_part)
    extra = min(MAX_EXTRA, len(did - profile.context))
    return best * (1 - EXTRA_PENALTY * extra)


def symptom_candidates(trace: Trace, index: SymptomIndex, *, limit: int = 20) -> list[Candidate]:
    """Entries whose presentations share the paste's observations (and context), best first."""
    found = facets(trace.text)
    seen, did = split(found)
    if not seen or not index.profiles:
        return []
    scale = WITH_EXCEPTION if trace.exceptions else 1.0
    scored = []
    for profile in index.profiles:
        score = profile_score(profile, seen, did, index) * scale
        if score >= MIN_SCORE:
            scored.append((-score, profile.entry_id, profile))
    scored.sort(key=lambda item: item[:2])
    out: list[Candidate] = []
    for negative, entry_id, profile in scored[:limit]:
        shared = sorted(profile.declared & (seen | did), key=lambda name: (not name.startswith("see:"), name))
        first = min((found[name] for name in shared if name in found), default=0)
        line = trace.original_line(first - 1) if first else 0
        words = ", ".join(name.split(":", 1)[1] for name in shared)
        out.append(Candidate("symptom", entry_id, -negative, f"describes {words} (symptom {-negative:.2f})", line))
    return out


def candidates(trace: Trace, index: SymptomIndex, *, limit: int = 20) -> list[Candidate]:
    """The stage's pure half (``matcher/prepared.py``): ``symptom_candidates``."""
    return symptom_candidates(trace, index, limit=limit)
