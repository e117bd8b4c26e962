"""The console script's entry point: process settings first, then the command.

The ``peft-why`` process lives well under a second and reference counting frees what it
allocates, yet the cyclic collector, at its default threshold, scans the imported modules and the
loaded KB several times a run (~15% of a regex-settled paste, measured by ``bench/``). Raising
the threshold must happen before the imports, hence this module (mypy's entry does the same).
A library caller (``peft_why.diagnose``, the exception hook) keeps its own process's settings.
"""

from __future__ import annotations

import gc


def main() -> None:
    """Raise the collector's threshold, then run the command."""
    gc.set_threshold(100_000, 20, 100)
    from .main import main as run

    run()
