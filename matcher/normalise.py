"""Normalisation: decode the container a paste came in, then mask noise for similarity.

Two separate jobs. ``decode`` removes what is not part of the error at all (ANSI
codes, HTML entities, log prefixes) and keeps a map back to the original lines.
``mask`` replaces values that differ between users (numbers, addresses, paths,
quoted user strings) with placeholders, and keeps what carries signal: exception
types, dtype names, module names such as ``q_proj``, ``torch.Size([0])``.
"""

from __future__ import annotations

import html
import html.entities
import re
from typing import Any

# OSC sequences (hyperlinks, titles) first, then PyTorch log-classifier's ANSI/CSI pattern.
ANSI = re.compile(
    r"\x1B\][^\x07\x1B\n]*(?:\x07|\x1B\\)"
    r"|(?:\x1B[@-Z\\-_]|[\x80-\x9A\x9C-\x9F]|(?:\x1B\[|\x9B)[0-?]*[ -/]*[@-~])"
)
_CONTROL = re.compile(r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]")
# The one test for "this text is HTML-escaped" (formats.decode uses it too). Decimal code points run to
# 1114111 (U+10FFFF), seven digits; hexadecimal ones to 10FFFF, six.
HTML_ENTITY = re.compile(r"&(?:[a-zA-Z]{2,8}|#\d{1,7}|#x[0-9a-fA-F]{1,6});")

_PATH = re.compile(
    r"""(?:(?<=[\s"'(=,\[])|^)(?:[A-Za-z]:|~)?[\\/][^\s"'<>|]*?[\\/](?=(?:site|dist)-packages[\\/])""", re.M
)
_ENV_REST = re.compile(r"""<env>/(?:site|dist)-packages\\[^\s"'<>|]*""")
_HOME = re.compile(r"(?:/home|/Users|/root|[A-Za-z]:\\Users)(?:[\\/][^\s\"'/\\]+)?")
_URL = re.compile(r"\bhttps?://[^\s\"'<>)\]]+")
_EMAIL = re.compile(r"\b[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}\b")
_UUID = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")
_OBJECT_AT = re.compile(r"<([\w.]{1,200}) object at 0x[0-9a-fA-F]+>")
_TIMESTAMP = re.compile(
    r"\b\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?(?!\d)"
    r"|\b\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}(?:[.,]\d+)?|\b\d{2}:\d{2}:\d{2}(?:[.,]\d+)?\b"
)
_HEX = re.compile(r"\b(?:0x[0-9a-fA-F]+|[0-9a-f]{12,40})\b")
_SIZE = re.compile(r"torch\.Size\(\[([^\]]{0,200})\]\)")
_NUMBER = re.compile(r"(?<![A-Za-z_\d.<])[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?(?![A-Za-z_\d])")
_QUOTED = re.compile(r"'([^'\n]{1,200})'|\"([^\"\n]{1,200})\"")
_IDENTIFIER = re.compile(r"^[A-Za-z_][\w.]*$")
_EMPTY_SIZE_TOKEN = "<torch-size-zero>"
# Lines longer than this are masked only up to here: similarity needs no more, and it bounds the work.
MAX_MASKED_LINE = 4000
_DTYPES = frozenset(
    "float16 bfloat16 float32 float64 half float int8 int4 uint8 fp16 bf16 fp32 nf4 fp4 "  # noqa: SIM905
    "Half Float BFloat16".split()
)


def strip_ansi(text: str) -> str:
    """Remove colour and cursor-control sequences; other control characters become spaces."""
    return _CONTROL.sub(" ", ANSI.sub("", text))


def unescape_html(text: str) -> str:  # kept for callers outside the parser
    """Undo HTML escaping from web pages, but only when the text actually contains entities."""
    return html.unescape(text) if HTML_ENTITY.search(text) else text


def mask(text: str) -> str:
    """Mask user-specific values so two pastes of the same failure look alike.

    ``torch.Size([0])`` stays literal (the ZeRO-3 signature); other shapes keep
    their arity (``torch.Size([<n>, <n>])``). Quoted identifiers such as
    ``'q_proj'`` and dtype names stay; other quoted strings become ``<str>``.
    """
    if len(text) > MAX_MASKED_LINE and any(len(line) > MAX_MASKED_LINE for line in text.split("\n")):
        text = "\n".join(line[:MAX_MASKED_LINE] for line in text.split("\n"))
    # Order after Sentry's parameterization: containers of numbers before the numbers themselves.
    # Each step runs on the whole text, and only when a cheap substring test says it can match.
    if "://" in text:
        text = _URL.sub("<url>", text)
    if "@" in text:
        text = _EMAIL.sub("<email>", text)
    if "-packages" in text:
        text = _PATH.sub("<env>/", text)
        if "\\" in text:  # Windows: one separator, so the same frame reads the same on every OS
            text = _ENV_REST.sub(lambda found: found.group(0).replace("\\", "/"), text)
    if "/home" in text or "/Users" in text or "/root" in text or "\\Users" in text:
        text = _HOME.sub("<home>", text)
    text = _UUID.sub("<uuid>", text)
    if " object at 0x" in text:
        text = _OBJECT_AT.sub(r"<\1 object>", text)
    text = _TIMESTAMP.sub("<time>", text)
    text = _HEX.sub(_mask_hex, text)
    if "Size([" in text:
        text = _SIZE.sub(_mask_size, text)
    text = _QUOTED.sub(_mask_quoted, text)
    text = _NUMBER.sub("<n>", text)
    return text.replace(_EMPTY_SIZE_TOKEN, "torch.Size([0])")


def _mask_hex(found: re.Match[str]) -> str:
    word = found.group(0)
    if word.startswith("0x") or any(c.isdigit() for c in word):
        return "<hex>"
    return word  # a long all-letter word such as "deadbeefcafe" is a word, not an address


def _mask_size(found: re.Match[str]) -> str:
    dims = [d.strip() for d in found.group(1).split(",") if d.strip()]
    if dims == ["0"]:
        return _EMPTY_SIZE_TOKEN  # restored after numbers are masked
    return "torch.Size([" + ", ".join("<n>" for _ in dims) + "])"


def _mask_quoted(found: re.Match[str]) -> str:
    inner = found.group(1) if found.group(1) is not None else found.group(2)
    quote = "'" if found.group(1) is not None else '"'
    if inner in _DTYPES or (_IDENTIFIER.match(inner) and len(inner) <= 60) or "<env>/" in inner:
        return f"{quote}{inner}{quote}"
    return f"{quote}<str>{quote}"


def browser_rules() -> dict[str, Any]:
    """This module's tables as data for the paste page's worker, which keeps only the loops.

    ``docs/hooks/kb_site.py`` translates the patterns to JavaScript and ships them in
    ``paste/kb.json``, so the page masks and decodes with these very tables. The HTML
    tables are the standard library's own (``html.unescape`` applies them; they have no
    public name), so the page undoes entities exactly as ``html.unescape`` does.
    """
    stdlib = vars(html)  # the tables have no public name (typeshed declares none)
    return {
        "ANSI": ANSI,
        "CONTROL": _CONTROL,
        "HTML_ENTITY": HTML_ENTITY,
        "HTML_CHARREF": stdlib["_charref"],
        "HTML_NAMED": dict(html.entities.html5),
        "HTML_INVALID_CHARREFS": {str(k): v for k, v in stdlib["_invalid_charrefs"].items()},
        "HTML_INVALID_CODEPOINTS": sorted(stdlib["_invalid_codepoints"]),
        "PATH": _PATH,
        "ENV_REST": _ENV_REST,
        "HOME": _HOME,
        "URL": _URL,
        "EMAIL": _EMAIL,
        "UUID": _UUID,
        "OBJECT_AT": _OBJECT_AT,
        "TIMESTAMP": _TIMESTAMP,
        "HEX": _HEX,
        "SIZE": _SIZE,
        "NUMBER": _NUMBER,
        "QUOTED": _QUOTED,
        "IDENTIFIER": _IDENTIFIER,
        "EMPTY_SIZE_TOKEN": _EMPTY_SIZE_TOKEN,
        "MAX_MASKED_LINE": MAX_MASKED_LINE,
        "DTYPES": sorted(_DTYPES),
    }
