"""An issue-ready Markdown report: environment, the traceback, peft-why's matches, a place for what was tried.

Secrets are redacted by default with the one shared redactor (``peft_why.redact``,
re-exported here as ``redact``): tokens and API keys, key blocks, credentials in URLs
and headers, e-mail addresses, home directories and user names in paths, host names
and IP addresses. The environment comes from the live process (the hook), from another
interpreter (``peft-why report --python PATH``), or only from what a paste reveals.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from peft_why._env import PACKAGES, PROBE_TIMEOUT_S, live_environment, probe
from peft_why.redact import redact

if TYPE_CHECKING:
    from peft_why.matcher.types import Diagnosis

__all__ = ["PACKAGES", "build_report", "environment_in_text", "environment_of", "live_environment", "redact"]

# Keep the end of a long log: that is where the error is.
MAX_TRACEBACK_LINES = 200


def environment_of(python: str, *, timeout: float = PROBE_TIMEOUT_S) -> dict[str, str]:
    """Another interpreter's environment (``--python PATH``): package versions, CUDA, GPU name.

    Raises:
        OSError: the interpreter cannot be run or its probe failed.
    """
    return probe(python, full=True, timeout=timeout)


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
