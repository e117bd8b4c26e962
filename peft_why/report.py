"""An issue-ready Markdown report: environment, the traceback, peft-why's matches, a place for what was tried.

Secrets are redacted by default with the one shared redactor (``peft_why.redact``,
re-exported here as ``redact``): tokens and API keys, key blocks, credentials in URLs
and headers, e-mail addresses, home directories and user names in paths, host names
and IP addresses. The environment comes from the live process (the hook), from another
interpreter (``peft-why report --python PATH``), or only from what a paste reveals.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from peft_why.redact import redact

if TYPE_CHECKING:
    from peft_why.matcher.types import Diagnosis

__all__ = ["PACKAGES", "build_report", "environment_in_text", "environment_of", "live_environment", "redact"]

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
