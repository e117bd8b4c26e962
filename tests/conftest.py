"""Test-wide settings: never reach the hub, no progress bars."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as the CLI sets it: the numpy MiniLM's small matrices
os.environ.pop("PEFT_WHY_KB_PATH", None)
os.environ.pop("PEFT_WHY_DOCS_URL", None)
