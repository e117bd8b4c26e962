"""Symptom patterns: one dialect for Python and the browser, compiled lazily, checked for backtracking.

The dialect is the subset that both Python's ``regex`` module and JavaScript's
``RegExp`` accept, because the docs site runs the same patterns client-side:
named groups are written ``(?<name>...)``; flags may appear only as one leading
``(?ims)`` group (the browser turns it into RegExp flags).
"""

from __future__ import annotations

import functools
import importlib
import re as std_re
from typing import Any

import regex


def _stdlib_regex_module(name: str) -> Any:
    """CPython's regex parser: ``re._parser`` since 3.11, ``sre_parse`` (now a deprecated alias) before."""
    try:
        return importlib.import_module(f"re._{name}")
    except ImportError:  # pragma: no cover - Python < 3.11
        return importlib.import_module(f"sre_{'parse' if name == 'parser' else name}")


sre_parser = _stdlib_regex_module("parser")
sre_constants = _stdlib_regex_module("constants")

# Constructs that one engine accepts and the other rejects or reads differently.
_NOT_PORTABLE: tuple[tuple[str, str], ...] = (
    (r"\(\?P[<=>]", "Python-only named group syntax (?P...): write (?<name>...) / \\k<name>"),
    (r"\(\?>", "atomic groups are not supported in JavaScript"),
    (r"(?<!\\)[*+?}]\+", "possessive quantifiers are not supported in JavaScript"),
    (r"\\[AZzG]", "\\A, \\Z, \\z and \\G are not portable: use ^ and $"),
    (r"\\[pP]\{", "Unicode property classes need the JavaScript u flag: avoid them"),
    (r"\(\?#", "inline comments are not supported in JavaScript"),
    (r"\[\[:", "POSIX classes are not supported in JavaScript"),
    (r"\(\?\(", "conditional groups are not supported in JavaScript"),
    (r"\(\?[a-zA-Z]*[aLux]", "only the i, m and s flags are portable"),
)
_LEADING_FLAGS = std_re.compile(r"^\(\?([ims]+)\)")


def split_flags(pattern: str) -> tuple[str, str]:
    """Split a leading ``(?ims)`` group off: returns (flags, body). The browser needs them apart."""
    found = _LEADING_FLAGS.match(pattern)
    if not found:
        return "", pattern
    return found.group(1), pattern[found.end() :]


@functools.lru_cache(maxsize=4096)
def compile_pattern(pattern: str) -> Any:
    """Compile a KB pattern once per process (compiling every pattern at start-up costs 0.2 s)."""
    flags, body = split_flags(pattern)
    value = 0
    for flag, bit in (("i", regex.IGNORECASE), ("m", regex.MULTILINE), ("s", regex.DOTALL)):
        if flag in flags:
            value |= bit
    return regex.compile(body, value)


def pattern_problem(pattern: str) -> str | None:
    """Why this pattern is unusable (does not compile, is not portable, may backtrack), or None."""
    _flags, body = split_flags(pattern)
    if std_re.search(r"\(\?[a-zA-Z]+\)", body):
        return "flags are allowed only as one leading (?ims) group"
    for construct, why in _NOT_PORTABLE:
        if std_re.search(construct, body):
            return why
    try:
        compile_pattern(pattern)
    except regex.error as exc:
        return f"does not compile: {exc}"
    if not body.strip() or compile_pattern(pattern).search("") is not None:
        return "matches the empty string, so it matches every paste"
    risk = backtracking_risk(body)
    if risk:
        return risk
    return None


def stdlib_tree(body: str) -> Any | None:
    """A pattern body parsed by CPython's own regex parser, or None where that parser refuses it.

    The KB dialect spells named groups ``(?<name>...)``; CPython wants ``(?P<name>...)``
    (lookbehinds ``(?<=`` / ``(?<!`` stay as they are). Used for static analysis only:
    the regex module, not this parser, decides what a pattern matches.
    """
    try:
        return sre_parser.parse(body.replace("(?<", "(?P<").replace("(?P<=", "(?<=").replace("(?P<!", "(?<!"))
    except Exception:
        return None


def backtracking_risk(body: str) -> str | None:
    """Flag nested unbounded quantifiers such as ``(a+)+`` or ``(.*x)*``: exponential on a near miss.

    The pattern is walked with CPython's own regex parser (the syntax is close
    enough once named groups are spelled the Python way).
    """
    tree = stdlib_tree(body)
    if tree is None:
        return None  # the regex module accepted it; trust that over the stdlib parser
    if _nested_unbounded(tree, inside=False):
        return "nested unbounded quantifiers (like (a+)+) can backtrack catastrophically"
    return None


def _nested_unbounded(items: Any, *, inside: bool) -> bool:
    for op, arg in items:
        name = str(op)
        if name in ("MAX_REPEAT", "MIN_REPEAT"):
            _low, high, sub = arg
            unbounded = high >= sre_constants.MAXREPEAT or high > 1000
            if unbounded and inside and len(list(sub)) > 0:
                return True
            if _nested_unbounded(sub, inside=inside or unbounded):
                return True
        elif name == "SUBPATTERN":
            if _nested_unbounded(arg[-1], inside=inside):
                return True
        elif name == "BRANCH":
            if any(_nested_unbounded(branch, inside=inside) for branch in arg[1]):
                return True
        elif name in ("ASSERT", "ASSERT_NOT") and _nested_unbounded(arg[1], inside=inside):
            return True
    return False
