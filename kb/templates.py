"""The ``finding`` template language, shared by lint (here, in ``kb``) and the renderer (``matcher.finding``).

A template is ``str.format`` syntax whose fields are plain names: named groups of
the entry's symptom regexes, or one of ``RESERVED`` (filled from version evidence).
Standard library only, so the warm path may import it.
"""

from __future__ import annotations

import string

# Filled from version evidence rather than a regex group: the package concerned, the
# version (or specifier) the entry needs, the version seen in the paste or installed.
RESERVED: frozenset[str] = frozenset({"package", "needed", "seen"})
# Marks a value the author has still to write (``peft-why kb new`` scaffolds them); lint rejects it.
TODO_MARKER = "TODO"

_FORMATTER = string.Formatter()


def placeholders(template: str) -> tuple[str, ...]:
    """The field names a template uses, in order, without repeats.

    Raises:
        ValueError: the template is not valid ``str.format`` syntax, or a field is
            not a plain name (``{0}``, ``{a.b}`` and ``{a[0]}`` are refused: the values
            are strings, so attribute or index access can only be a mistake).
    """
    names: list[str] = []
    for _literal, name, _spec, _conversion in _FORMATTER.parse(template):
        if name is None:
            continue
        if not name.isidentifier():
            raise ValueError(f"placeholder {{{name}}} is not a plain name")
        if name not in names:
            names.append(name)
    return tuple(names)
