"""An entry's ``finding``: a one-line statement about *this* paste, filled from the evidence.

The template is ``str.format`` syntax over the named groups of the entry's symptom
regexes (``(?<modules>...)`` → ``{modules}``) plus the reserved version names in
``RESERVED`` (``kb.templates``, which lint shares). Rendering is pure and total: a
placeholder without a value gives None (the caller falls back to the generic text)
rather than a half-filled sentence.
"""

from __future__ import annotations

from collections.abc import Mapping

from peft_why.kb.templates import RESERVED, placeholders

__all__ = ["RESERVED", "placeholders", "render_finding"]


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
