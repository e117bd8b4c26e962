"""Run one check in a separate process (the user's interpreter with ``python=``), with a timeout.

What ``peft-why verify`` calls: the model is loaded and checked in a child process, so peft-why's own
environment never has to match the user's torch/transformers/peft, and a hang or crash is contained.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from ._core import ERROR, Finding
from ._runner import check_name

WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_worker.py")
MARKER = "PEFT_WHY_FINDING "


def verify_in_subprocess(
    entry_id: str,
    *,
    model: str | None = None,
    adapter: str | None = None,
    device: str = "auto",
    dtype: str = "auto",
    trust_remote_code: bool = False,
    python: str | None = None,
    timeout: float = 600.0,
    check: str | None = None,
) -> tuple[Finding, str]:
    """Load ``model``/``adapter`` in a child interpreter, run the entry's check there.

    Returns:
        The finding (status ``error`` when the child fails or times out) and the child's stderr,
        which carries its warnings (e.g. a model larger than the free memory).
    """
    request = {
        "entry_id": entry_id, "model": model, "adapter": adapter, "device": device, "dtype": dtype,
        "trust_remote_code": trust_remote_code, "check": check,
    }  # fmt: skip
    env = dict(os.environ, HF_HUB_OFFLINE="1", HF_HUB_DISABLE_PROGRESS_BARS="1", TRANSFORMERS_VERBOSITY="error")
    env.setdefault("PYTHONWARNINGS", "ignore")
    try:
        done = subprocess.run(
            [python or sys.executable, WORKER], input=json.dumps(request), capture_output=True, text=True,
            timeout=timeout, env=env, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return _error(entry_id, f"the check did not finish within {timeout:g} s"), ""
    except OSError as exc:
        return _error(entry_id, f"cannot run {python or sys.executable}: {exc}"), ""
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(MARKER):
            return Finding.from_dict(json.loads(line[len(MARKER) :])), done.stderr
    tail = " | ".join(done.stderr.strip().splitlines()[-3:])
    return _error(entry_id, f"the worker exited with code {done.returncode} and no finding: {tail}"), done.stderr


def _error(entry_id: str, message: str) -> Finding:
    return Finding(entry_id, ERROR, message, check=check_name(entry_id))
