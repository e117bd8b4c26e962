"""Property tests: parsing never raises, and the final exception survives every wrapping.

Tracebacks are real: an exception of a drawn type and message is raised through a
few frames and rendered by CPython's ``traceback`` module, then wrapped the ways
pastes arrive (pytest ``E`` lines, ANSI colours, rank prefixes, log records,
Markdown fences and quotes, prose in other languages, HTML escaping).
"""

from __future__ import annotations

import html
import traceback
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peft_why.matcher.parse import _parse, parse


class NoMatchingPeftModuleError(ValueError):
    pass


NoMatchingPeftModuleError.__module__ = "peft.utils.error"
TYPES: list[type[BaseException]] = [
    ValueError,
    RuntimeError,
    TypeError,
    KeyError,
    AssertionError,
    NoMatchingPeftModuleError,
]

# Messages exclude what a wrapping legitimately rewrites: HTML entities (``&``, ``<``, ``>``)
# would be unescaped, and line breaks make a multi-line message.
MESSAGES = (
    st.text(
        alphabet=st.characters(categories=("L", "N", "P", "Zs", "S"), exclude_characters="&<>\x1b\x9b"),
        min_size=1,
        max_size=60,
    )
    .map(lambda text: " ".join(text.split()))
    .filter(bool)
)


def _raise(exc_type: type[BaseException], message: str, depth: int) -> None:
    if depth:
        _raise(exc_type, message, depth - 1)
    raise exc_type(message)


def rendered(exc_type: type[BaseException], message: str, depth: int) -> tuple[str, str, str]:
    """(traceback text, printed type, printed message) of a really raised exception."""
    try:
        _raise(exc_type, message, depth)
    except BaseException as exc:
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        printed_type, _, printed_message = traceback.format_exception_only(exc)[-1].rstrip("\n").partition(": ")
        return text, printed_type, printed_message
    raise AssertionError("unreachable")


def as_pytest(text: str) -> str:
    """pytest's long format: frames as ``path:line: in func``, the exception on ``E`` lines."""
    lines = text.rstrip("\n").split("\n")
    out = ["_" * 20 + " test_adapter " + "_" * 20, ""]
    for index, line in enumerate(lines[1:-1], start=1):
        if line.startswith('  File "'):
            path, _, rest = line[len('  File "') :].partition('", line ')
            lineno, _, func = rest.partition(", in ")
            out += [
                f"{path}:{lineno}: in {func}",
                lines[index + 1] if index + 1 < len(lines) - 1 else "    pass",
            ]
    out += [f"E       {lines[-1]}", "", f"x.py:1: {lines[-1].split(':', 1)[0].rsplit('.', 1)[-1]}"]
    return "\n".join(out) + "\n"


def ansi(text: str) -> str:
    return "\n".join(f"\x1b[31m{line}\x1b[0m" if line else line for line in text.split("\n"))


def ranks(text: str) -> str:
    lines = text.rstrip("\n").split("\n")
    return "\n".join(f"[rank{rank}]: {line}" for line in lines for rank in (1, 0)) + "\n"


def logged(text: str) -> str:
    return (
        "2026-11-27 23:40:00,001 - __main__ - ERROR - adapter setup failed\n"
        + text
        + "2026-11-27 23:40:00,002 - __main__ - INFO - exiting\n"
    )


def fenced(text: str) -> str:
    return "I ran this:\n\n````\n```python\n" + text + "```\n````\n"


def quoted(text: str) -> str:
    return "".join(f"> {line}\n" for line in text.rstrip("\n").split("\n"))


def prose(text: str) -> str:
    return "我在微调时遇到了这个错误：\n\n" + text + "\n请问怎么解决？谢谢！\n"


def escaped(text: str) -> str:
    return "<pre><code>" + html.escape(text) + "</code></pre>"


# In the order wrappings happen in real life: the renderer first, the web page last.
WRAPPINGS: list[tuple[str, Callable[[str], str]]] = [
    ("pytest", as_pytest),
    ("ansi", ansi),
    ("ranks", ranks),
    ("log", logged),
    ("fences", fenced),
    ("quote", quoted),
    ("prose", prose),
    ("html", escaped),
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=2000))
def test_parser_never_raises_on_arbitrary_text(text: str) -> None:
    _parse(text)  # without parse()'s safety net, so a parser bug fails here


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "Traceback (most recent call last):",
                '  File "x.py", line 1, in f',
                "ValueError: x",
                "  + Exception Group Traceback (most recent call last):",
                "  | ",
                "    +-+--- 1 ---",
                "╭─ Traceback (most recent call last) ─╮",
                "│ x.py:1 in f │",
                "╰──╯",
                "[rank0]: ",
                "E       ",
                "---> 3 f()",
                "Cell In[1], line 3",
                "```",
                "&lt;",
                "\r",
                "\x1b[31m",
                "x.py:3: in f",
                ">   f()",
                "The above exception was the direct cause of the following exception:",
                "",
            ]
        ),
        max_size=40,
    ).map("\n".join)
)
def test_parser_never_raises_on_traceback_fragments(text: str) -> None:
    _parse(text)


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(TYPES),
    MESSAGES,
    st.integers(min_value=0, max_value=3),
    st.lists(st.booleans(), min_size=len(WRAPPINGS), max_size=len(WRAPPINGS)),
)
def test_final_exception_survives_every_wrapping(
    exc_type: type[BaseException], message: str, depth: int, chosen: list[bool]
) -> None:
    text, printed_type, printed_message = rendered(exc_type, message, depth)
    for (_name, wrap), use in zip(WRAPPINGS, chosen):
        if use:
            text = wrap(text)
    trace = parse(text)
    assert trace.final is not None, text
    assert (trace.final.type, trace.final.message) == (printed_type, printed_message), text
    assert not trace.truncated


def test_parse_is_linear_on_a_pathological_single_line() -> None:
    import time

    start = time.perf_counter()
    for text in ("/a" * 200_000, 'File "' * 60_000, "ValueError: " * 30_000, "2024-01-01 00:00:00 " * 20_000):
        parse(text)
    assert time.perf_counter() - start < 30  # seconds; quadratic behaviour takes minutes here
