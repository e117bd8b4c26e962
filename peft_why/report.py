"""An issue-ready Markdown report: environment, the traceback, peft-why's matches, a place for what was tried.

Secrets are redacted by default (``redact``): Hugging Face tokens, API keys,
e-mail addresses, home directories and user names in paths, host names and IP
addresses. The environment comes from the live process (the hook), from another
interpreter (``peft-why report --python PATH``), or only from what a paste reveals.
"""

from __future__ import annotations

import getpass
import json
import re
import socket
import subprocess
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from peft_why.matcher.types import Diagnosis

# Reported in this order; the report says "not installed" for the missing ones.
PACKAGES: tuple[str, ...] = ("torch", "peft", "transformers", "accelerate", "bitsandbytes", "trl")
# Keep the end of a long log: that is where the error is.
MAX_TRACEBACK_LINES = 200

# Run in the other interpreter by ``environment_of``: versions from metadata, CUDA and GPU from torch.
_PROBE = r"""
import json, platform, sys
from importlib import metadata
env = {"python": platform.python_version(), "platform": platform.platform()}
for name in sys.argv[1:]:
    try:
        env[name] = metadata.version(name)
    except metadata.PackageNotFoundError:
        env[name] = "not installed"
try:
    import torch
    env["cuda"] = torch.version.cuda or "none (CPU build)"
    if torch.cuda.is_available():
        env["gpu"] = torch.cuda.get_device_name(0)
except Exception:
    pass
print(json.dumps(env))
"""

_SECRETS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bhf_[A-Za-z0-9]{20,}\b"), "hf_<redacted>"),
    (re.compile(r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_\-]{20,}"), "sk-<redacted>"),
    (re.compile(r"\b(?:ghp|gho|ghs|ghu|github_pat)_[A-Za-z0-9_]{20,}"), "<redacted-github-token>"),
    (re.compile(r"\bAKIA[0-9A-Z]{16}\b"), "<redacted-aws-key>"),
    (re.compile(r"\bxox[abprs]-[A-Za-z0-9\-]{10,}"), "<redacted-slack-token>"),
    (re.compile(r"\bwandb_v1_[A-Za-z0-9_]{20,}"), "<redacted-key>"),
    (
        re.compile(
            r"(?i)\b((?:[A-Z0-9_]*_)?(?:api[_-]?key|token|secret|password|passwd|auth))(\s*[=:]\s*)(['\"]?)([^\s'\",)]{6,})"
        ),
        r"\1\2\3<redacted>",
    ),
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9_\-.=]{16,}"), r"\1 <redacted>"),
    (re.compile(r"\b[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}\b"), "<email>"),
)
_HOME_PATHS = (
    re.compile(r"(?<![\w.])/home/[^/\s\"':]+"),
    re.compile(r"(?<![\w.])/Users/[^/\s\"':]+"),
    re.compile(r"(?i)\b[A-Z]:\\Users\\[^\\\s\"':]+"),
    re.compile(r"(?<![\w.])/root(?=/)"),
)
_NOT_HOSTS = frozenset({"localhost", "python", *PACKAGES})
_IPV4 = re.compile(r"\b(?!127\.0\.0\.1\b)(?!0\.0\.0\.0\b)(?:\d{1,3}\.){3}\d{1,3}\b")


def redact(text: str, *, user: str | None = None, hosts: Sequence[str] = ()) -> str:
    """Mask secrets, e-mails, home directories, this user's name, host names and IP addresses.

    ``user`` and ``hosts`` default to the current process's user and host names.
    """
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    for pattern in _HOME_PATHS:
        text = pattern.sub("~", text)
    user = _current_user() if user is None else user
    if user and user not in ("root", "user"):
        # only where a user name sits in a path or a prompt: a user called "peft" keeps the word peft
        name = re.escape(user)
        segment = rf"(?<=[/\\])(?<!site-packages/)(?<!dist-packages/){name}(?=[/\\])"
        text = re.sub(rf"{segment}|\b{name}(?=@)", "<user>", text)
    for host in list(hosts) or _host_names():
        if host and len(host) >= 3 and host.lower() not in _NOT_HOSTS:
            text = re.sub(rf"(?<![A-Za-z0-9\-.]){re.escape(host)}(?![A-Za-z0-9\-])", "<host>", text)
    return _IPV4.sub(_mask_ip, text)


def _mask_ip(found: re.Match[str]) -> str:
    parts = found.group(0).split(".")
    if all(0 <= int(p) <= 255 for p in parts) and not _looks_like_version(found):
        return "<ip>"
    return found.group(0)


def _looks_like_version(found: re.Match[str]) -> bool:
    before = found.string[max(0, found.start() - 12) : found.start()]
    return re.search(r"(?i)(?:version|==|>=|<=|~=|\bv)\s*$", before) is not None


def _current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return ""


def _host_names() -> list[str]:
    names: list[str] = []
    try:
        host = socket.gethostname()
        names = [host, host.split(".")[0]]
    except Exception:
        pass
    return sorted({n for n in names if n}, key=len, reverse=True)


def live_environment() -> dict[str, str]:
    """This process's environment, without importing anything new (torch details only if torch is loaded)."""
    import platform
    from importlib import metadata

    env = {"python": platform.python_version(), "platform": platform.platform()}
    for name in PACKAGES:
        try:
            env[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            env[name] = "not installed"
        except Exception:
            env[name] = "unknown"
    torch = sys.modules.get("torch")
    if torch is not None:
        try:
            env["cuda"] = torch.version.cuda or "none (CPU build)"
            if torch.cuda.is_available():
                env["gpu"] = torch.cuda.get_device_name(0)
        except Exception:
            pass
    return env


def environment_of(python: str, *, timeout: float = 120.0) -> dict[str, str]:
    """Another interpreter's environment (``--python PATH``): package versions, CUDA, GPU name.

    Raises:
        OSError: the interpreter cannot be run or its probe failed.
    """
    try:
        done = subprocess.run(
            [python, "-c", _PROBE, *PACKAGES], capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise OSError(f"{python}: no answer within {timeout:.0f} s") from exc
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["exit code " + str(done.returncode)])[-1]
        raise OSError(f"{python}: probe failed: {last}")
    data = json.loads(done.stdout.strip().splitlines()[-1])
    return {str(k): str(v) for k, v in data.items()}


def environment_in_text(text: str) -> dict[str, str]:
    """Only what a paste reveals: versions it prints (``peft==0.13.0``, ``Python 3.11``)."""
    from peft_why.matcher.parse import parse

    return dict(parse(text).versions)


def build_report(
    text: str,
    diagnoses: Sequence[Diagnosis],
    environment: Mapping[str, str],
    *,
    source: str = "live process",
    redacted: bool = True,
) -> str:
    """The Markdown block to paste into a GitHub issue (redacted unless ``redacted=False``)."""
    lines = text.rstrip("\n").split("\n")
    cut = len(lines) - MAX_TRACEBACK_LINES
    if cut > 0:
        lines = [f"[... {cut} earlier lines left out ...]", *lines[-MAX_TRACEBACK_LINES:]]
    traceback_text = "\n".join(_strip_ansi(line) for line in lines)
    fence = "````" if "```" in traceback_text else "```"
    out = ["### Environment", ""]
    if environment:
        out += ["| | |", "|---|---|"]
        out += [f"| {name} | {value} |" for name, value in environment.items()]
        out.append(f"\n<sub>from the {source}</sub>")
    else:
        out.append("_Not known: rerun with `peft-why report --python PATH` to add the versions._")
    out += ["", "### Traceback", "", f"{fence}text", traceback_text, fence, "", "### peft-why matches", ""]
    if diagnoses:
        for rank, diagnosis in enumerate(diagnoses, start=1):
            out.append(f"{rank}. `{diagnosis.id}`: {diagnosis.title} ({diagnosis.confidence}, {diagnosis.score:.2f})")
        out.append(f"\nDetails: `peft-why explain {diagnoses[0].id}`")
    else:
        out.append("No known PEFT failure matched (peft-why abstained).")
    out += ["", "### What I tried", "", "<!-- What you ran, what you changed, what happened. -->", ""]
    report = "\n".join(out)
    if redacted:
        report = redact(report)
        report = (
            "<!-- peft-why: secrets, e-mails, user and host names were redacted; check before posting -->\n" + report
        )
    return report


def _strip_ansi(line: str) -> str:
    return re.sub(r"\x1b\[[0-9;?]*[ -/]*[@-~]", "", line)
