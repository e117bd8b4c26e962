"""An entry's ``finding``: a one-line statement about *this* paste, filled from the evidence.

The template is ``str.format`` syntax over the named groups of the entry's symptom
regexes (``(?<modules>...)`` → ``{modules}``) plus the reserved version names in
``RESERVED`` (``kb.templates``, which lint shares). Rendering is pure and total: a
placeholder without a value gives None (the caller falls back to the generic text)
rather than a half-filled sentence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from peft_why.kb.templates import RESERVED, placeholders

if TYPE_CHECKING:
    from .types import Candidate

__all__ = ["MAX_VALUE", "RESERVED", "finding_for", "placeholders", "render_finding"]

# A captured value longer than this is cut (with "…"): a module repr can run to thousands of
# characters, and the finding is one line under the title.
MAX_VALUE = 120


def render_finding(
    template: str,
    groups: Mapping[str, str | None],
    versions: Mapping[str, str] | None = None,
) -> str | None:
    """The template filled from a match's named groups and version evidence, or None.

    Args:
        template: the entry's ``finding``.
        groups: a regex match's ``groupdict()`` (an unmatched optional group is None).
        versions: reserved names (``package``, ``needed``, ``seen``) to their values.

    Returns:
        The rendered line, or None when any placeholder has no value (or the
        template is malformed), so no half-filled sentence reaches the user.
    """
    values: dict[str, str] = {}
    for source in (groups, versions or {}):
        for name, value in source.items():
            if value is not None and value != "":
                values.setdefault(name, value)
    try:
        needed = placeholders(template)
        if any(name not in values for name in needed):
            return None
        return template.format_map(values)
    except (ValueError, KeyError, IndexError):
        return None


def finding_for(template: str | None, candidates: Sequence[Candidate]) -> str | None:
    """The finding line of one diagnosis, from the candidates the stages reported for its entry.

    The entry's template is filled from the regex hit's named groups and the positive version
    evidence's ``package`` / ``needed`` / ``seen``. Without a template, or when the paste lacks
    a value the template needs, the version evidence line is the finding: it is the most
    specific thing the matcher knows about this paste ("use_dora needs peft >= 0.9.0; the
    paste shows peft 0.6.2"). None when there is neither.

    Captured values are made one line (whitespace runs collapsed) and cut at ``MAX_VALUE``.
    """
    groups: dict[str, str] = {}
    versions: dict[str, str] = {}
    ranked = sorted(candidates, key=lambda c: -c.score)
    for candidate in ranked:
        if candidate.stage == "regex" and not groups:
            groups = {name: _one_line(value) for name, value in candidate.values}
        elif candidate.stage == "version" and candidate.score > 0 and not versions:
            versions = {name: _one_line(value) for name, value in candidate.values}
    if template:
        rendered = render_finding(template, groups, versions)
        if rendered is not None:
            return rendered
    return next((c.detail for c in ranked if c.stage == "version"), None)


def _one_line(value: str) -> str:
    flat = " ".join(value.split())
    return flat if len(flat) <= MAX_VALUE else flat[: MAX_VALUE - 1] + "…"
