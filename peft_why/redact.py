"""The one redactor: secrets, e-mails, home directories and IP addresses out of a paste.

Everything that prints or shares paste text goes through here: the paste-page link
(``cli/render.py``), the issue report (``peft_why/report.py``), the JSON, Markdown and
text outputs, and, through the table exported at docs build time (``docs/hooks/kb_site.py``
→ ``paste/redactions.js``), the browser's paste page (``docs/paste/redact.js`` keeps only
the loop). One table, so the three can no longer drift apart.

Each pattern is written once in the syntax that Python's ``re`` (with ``re.ASCII``) and
JavaScript's ``RegExp`` read the same way: no inline flags (case-insensitivity is the
``i`` flag), fixed-width look-behinds, explicit whitespace classes, ``(?![\\s\\S])`` for
the end of the text, ``$1`` in replacements. ``tests/docs/test_redact_js.py`` runs the JS
loop on the secrets corpus and demands the same output as :func:`redact_secrets`.

Import-light: only ``re`` and ``functools`` at import time, and the patterns compile on first
use (the exception hook and ``--json`` load this module).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any, NamedTuple

# The paste page applies the same cap to a #q= fragment; a long paste keeps its end (the error).
MAX_PASTE_CHARS = 6000
_WS = "[ \\t\\r\\n]"  # spelled out: \s means more in JavaScript than in Python's ASCII mode
_NOT_WS = "[^ \\t\\r\\n"  # open: callers add what else a value stops at, then "]"
_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
# Tokenizer attributes named *_token hold vocabulary, not credentials (pad_token = tokenizer.eos_token).
_SPECIAL_TOKENS = "(?:pad|eos|bos|unk|sep|cls|mask|additional_special|special|added)_tokens?"


class Rule(NamedTuple):
    """One row of the table: a pattern, its flags (``""`` or ``"i"``), and its replacement (``$1`` style).

    ``needles`` are lowercase literals one of which every match contains: a text without any of
    them cannot match, so the rule is neither compiled nor run (compiling the whole table cost a
    regex-settled ``--json`` run ~5 ms). Empty: always run. Python-only; the browser runs every rule.
    """

    name: str
    pattern: str
    flags: str
    replacement: str
    needles: tuple[str, ...] = ()


# Order matters: key blocks and whole credentials before the generic shapes that would cut them
# (a URL's user:password@host before the e-mail rule, Authorization headers before "bearer").
# Every pattern must stay linear on a long run of its own characters (JavaScript has no regex timeout):
# a pattern that scans a run and can still fail at its end starts only where the run starts (a look-behind);
# one that succeeds once it has its minimum length may start anywhere. tests/peft_why/test_redact.py times
# the table on such runs, tests/docs/test_redact_js.py runs them in Node.
RULES: tuple[Rule, ...] = (
    Rule(
        "private-key-block",
        "-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\\s\\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|(?![\\s\\S]))",
        "",
        "-----BEGIN $1PRIVATE KEY-----<redacted>-----END $1PRIVATE KEY-----",
        ("-----begin ",),
    ),
    Rule(
        "url-credentials",
        "(?<![A-Za-z0-9+.\\-])([A-Za-z][A-Za-z0-9+.\\-]{0,30}://)[^ \\t\\r\\n/?#@'\"<>]+@",
        "",
        "$1<redacted>@",
        ("://",),
    ),
    Rule(
        "authorization-header",
        f"\\b((?:proxy-)?authorization['\"]?{_WS}*[:=]{_WS}*['\"]?(?:(?:bearer|basic|token|digest){_WS}+)?)"
        f"{_NOT_WS}'\",;}}]+",
        "i",
        "$1<redacted>",
        ("authorization",),
    ),
    Rule("bearer-token", "\\b(bearer)[ \\t]+[A-Za-z0-9_\\-.=+/~]{16,}", "i", "$1 <redacted>", ("bearer",)),
    Rule(
        "github-token",
        "\\b(?:ghp|gho|ghs|ghu|ghr)_[A-Za-z0-9]{20,}",
        "",
        "<redacted-github-token>",
        ("ghp_", "gho_", "ghs_", "ghu_", "ghr_"),
    ),
    Rule(
        "github-fine-grained-token", "\\bgithub_pat_[A-Za-z0-9_]{20,}", "", "<redacted-github-token>", ("github_pat_",)
    ),
    Rule(
        "openai-anthropic-key",
        "\\bsk-(?:proj-|ant-|svcacct-|admin-)?[A-Za-z0-9_\\-]{20,}",
        "",
        "sk-<redacted>",
        ("sk-",),
    ),
    Rule("huggingface-token", "\\bhf_[A-Za-z0-9]{20,}", "", "hf_<redacted>", ("hf_",)),
    Rule(
        "aws-access-key-id",
        "\\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\\b",
        "",
        "<redacted-aws-key>",
        ("akia", "asia", "agpa", "aida", "aroa"),
    ),
    Rule("slack-token", "\\bxox[abposr]-[A-Za-z0-9\\-]{10,}", "", "<redacted-slack-token>", ("xox",)),
    Rule(
        "slack-webhook",
        "\\b(hooks\\.slack\\.com/services/)[A-Za-z0-9/_\\-]+",
        "",
        "$1<redacted>",
        ("hooks.slack.com/services/",),
    ),
    Rule("google-api-key", "\\bAIza[0-9A-Za-z_\\-]{35}", "", "<redacted-google-key>", ("aiza",)),
    Rule("wandb-key", "\\bwandb_v1_[A-Za-z0-9_]{20,}", "", "<redacted-key>", ("wandb_v1_",)),
    Rule(
        "jwt",  # three base64url segments; starts only where a run starts ("eyJ-eyJ-..." would go quadratic)
        "(?<![A-Za-z0-9_\\-])eyJ[A-Za-z0-9_\\-]{8,}\\.[A-Za-z0-9_\\-]{8,}\\.[A-Za-z0-9_\\-]{8,}",
        "",
        "<redacted-jwt>",
        ("eyj",),
    ),
    Rule(
        "secret-assignment",  # NAME=value, name: 'value' for names that hold credentials
        f"\\b(?!{_SPECIAL_TOKENS}\\b)((?:[A-Z0-9_]*_)?(?:api[_\\-]?key|access[_\\-]?key|secret[_\\-]?(?:access[_\\-]?)?key"
        f"|token|secret|password|passwd|pwd|auth))({_WS}*[=:]{_WS}*)(['\"]?){_NOT_WS}'\",)}}]{{6,}}",
        "i",
        "$1$2$3<redacted>",
        ("key", "token", "secret", "passw", "pwd", "auth"),
    ),
    Rule(
        "email",  # starts only where a run of address characters starts: a long dotted run stays linear
        "(?<![A-Za-z0-9._%+\\-])[A-Za-z0-9._%+\\-]{1,64}@[A-Za-z0-9.\\-]+\\.[A-Za-z]{2,}\\b",
        "",
        "<email>",
        ("@",),
    ),
    Rule("home-posix", "(?<![A-Za-z0-9_.])/(?:home|Users)/[^/ \\t\\r\\n\"':]+", "", "~", ("/home/", "/users/")),
    Rule("home-windows", "\\b[A-Za-z]:\\\\Users\\\\[^\\\\ \\t\\r\\n\"':]+", "i", "~", (":\\users\\",)),
    Rule("home-root", "(?<![A-Za-z0-9_.])/root(?=/)", "", "~", ("/root/",)),
    Rule(
        "ipv4-address",  # not loopback, not a version number (==1.2.3.4, v1.2.3.4, "version 2.4.0.1")
        f"(?<![A-Za-z0-9_.=~<>])(?<![=~<>] )(?<!version )(?<!version: )(?!127\\.0\\.0\\.1\\b)(?!0\\.0\\.0\\.0\\b)"
        f"{_OCTET}\\.{_OCTET}\\.{_OCTET}\\.{_OCTET}(?![0-9]|\\.[0-9])",
        "i",
        "<ip>",
        (".",),
    ),
)

_PLACEHOLDER = re.compile(r"\$(\d)")
_NOT_HOSTS = frozenset({"localhost", "python", "torch", "peft", "transformers", "accelerate", "bitsandbytes", "trl"})


def _compiled(rule: Rule) -> tuple[re.Pattern[str], str]:
    """The rule for Python: ``$1`` becomes ``\\g<1>`` (an unmatched group is empty, as in JavaScript)."""
    flags = re.ASCII | (re.IGNORECASE if "i" in rule.flags else 0)
    return re.compile(rule.pattern, flags), _PLACEHOLDER.sub(r"\\g<\1>", rule.replacement)


@functools.cache  # compiled on first use: importing this module (the --json path does) stays free
def _compiled_rule(index: int) -> tuple[re.Pattern[str], str]:
    return _compiled(RULES[index])


def _may_match(rule: Rule, lowered: str) -> bool:
    return not rule.needles or any(needle in lowered for needle in rule.needles)


def redact_secrets(text: str) -> str:
    """Apply the shared table, in order: exactly what the paste page's ``redact.js`` does."""
    lowered = text.lower()
    for index, rule in enumerate(RULES):
        if _may_match(rule, lowered):
            pattern, replacement = _compiled_rule(index)
            changed = pattern.sub(replacement, text)
            if changed != text:
                text, lowered = changed, changed.lower()
    return text


def redact(text: str, *, user: str | None = None, hosts: Sequence[str] = ()) -> str:
    """The table, then this machine's user name (in paths and before ``@``) and host names.

    ``user`` and ``hosts`` default to the current process's user and host names; the
    browser cannot know them, so only this step is Python-only.
    """
    text = redact_secrets(text)
    user = current_user() if user is None else user
    if user and user not in ("root", "user"):
        # only where a user name sits in a path or a prompt: a user called "peft" keeps the word peft
        name = re.escape(user)
        segment = rf"(?<=[/\\])(?<!site-packages/)(?<!dist-packages/){name}(?=[/\\])"
        text = re.sub(rf"{segment}|\b{name}(?=@)", "<user>", text)
    for host in list(hosts) or host_names():
        if host and len(host) >= 3 and host.lower() not in _NOT_HOSTS:
            text = re.sub(rf"(?<![A-Za-z0-9\-.]){re.escape(host)}(?![A-Za-z0-9\-])", "<host>", text)
    return text


def redact_paste(text: str) -> str:
    """:func:`redact`, then the paste-page cap (:func:`cap_paste`): what a ``#q=`` link may carry.

    Only the paste's tail can reach the link, so only the tail is redacted (a 1 MB log costs
    milliseconds, not seconds): the last ``REDACT_WINDOW`` characters from a line start, reaching
    back to a private-key block that begins before them, so no key body loses its BEGIN line.
    """
    return cap_paste(redact(_tail(text)))


REDACT_WINDOW = 16 * MAX_PASTE_CHARS


def _tail(text: str) -> str:
    if len(text) <= REDACT_WINDOW:
        return text
    start = len(text) - REDACT_WINDOW
    line = text.find("\n", start)
    start = line + 1 if line >= 0 else start
    begin = text.rfind("-----BEGIN", 0, start)
    if begin >= 0 and text.find("-----END", begin, start) < 0:
        start = begin
    return text[start:]


def cap_paste(text: str) -> str:
    """At most ``MAX_PASTE_CHARS``: a long paste keeps its end (the error), from a line start when one is near."""
    if len(text) > MAX_PASTE_CHARS:
        text = text[-MAX_PASTE_CHARS:]
        cut = text.find("\n")
        if 0 <= cut < 200:
            text = text[cut + 1 :]
    return text


def redact_tree(value: Any) -> Any:
    """Every string inside a JSON-like value (dicts, lists, tuples) redacted; keys and other types kept."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: redact_tree(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_tree(item) for item in value]
    return value


def browser_table() -> dict[str, Any]:
    """The table as data for ``docs/paste/redact.js``: patterns, flags, replacements and the cap."""
    return {
        "version": 1,
        "max_chars": MAX_PASTE_CHARS,
        "rules": [
            {"name": r.name, "pattern": r.pattern, "flags": r.flags, "replacement": r.replacement} for r in RULES
        ],
    }


@functools.cache  # outputs redact every evidence line: ask the system once
def current_user() -> str:
    """This process's user name, or ``""`` when the platform cannot say."""
    import getpass

    try:
        return getpass.getuser()
    except Exception:
        return ""


@functools.cache
def host_names() -> tuple[str, ...]:
    """This machine's host name and its first label, longest first (``""`` left out)."""
    import platform  # node() reads uname; socket.gethostname() says the same but costs an import of socket

    names: list[str] = []
    try:
        host = platform.node()
        names = [host, host.split(".")[0]]
    except Exception:
        pass
    return tuple(sorted({n for n in names if n}, key=len, reverse=True))
