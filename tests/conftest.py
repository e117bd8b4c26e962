"""Test-wide settings: never reach the hub, no progress bars; the code under test is this checkout's."""

from __future__ import annotations

import os

import pytest

from peft_why.checkout import mixed_checkout_warning

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as the CLI sets it: the numpy MiniLM's small matrices
os.environ.pop("PEFT_WHY_KB_PATH", None)
os.environ.pop("PEFT_WHY_DOCS_URL", None)


def pytest_configure(config: pytest.Config) -> None:
    """Stop at once when the packages come from another checkout than the tests (setuptools' editable finder).

    The tests would otherwise pass or fail on code that is not the code under test.
    """
    warning = mixed_checkout_warning(config.rootpath)
    if warning:
        raise pytest.UsageError(warning.replace("warning: ", "", 1))
