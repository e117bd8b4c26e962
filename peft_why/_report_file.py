"""``install(report=True)``: the issue-ready Markdown report of a live failure, written to a temp file."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from peft_why.matcher.types import Diagnosis


def write_report(exc: BaseException, diagnoses: Sequence[Diagnosis]) -> str:
    """Write the issue-ready report for ``exc`` to a temp file; return its path."""
    import tempfile
    import time
    import traceback

    from peft_why.report import build_report, live_environment

    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    markdown = build_report(text, diagnoses, live_environment())
    stamp = time.strftime("%Y%m%d-%H%M%S")
    fd, path = tempfile.mkstemp(prefix=f"peft-why-report-{stamp}-", suffix=".md")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(markdown)
    return path
