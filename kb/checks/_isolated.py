"""Run one check in a separate process (the user's interpreter with ``python=``), with a timeout.

What ``peft-why verify`` and ``match --verify`` call: the model is loaded and checked in a child process,
so peft-why's own environment never has to match the user's torch/transformers/peft, and a hang or
crash is contained. ``match --verify`` runs several entries' checks against one load of the model.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence

from ._core import ERROR, Finding
from ._runner import check_name

WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_worker.py")
MARKER = "PEFT_WHY_FINDING "
# ``match --verify``: no check's default share of the timeout is shorter than this.
MIN_CHECK_SECONDS = 30.0


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
    findings, stderr = verify_many_in_subprocess(
        [entry_id], model=model, adapter=adapter, device=device, dtype=dtype,
        trust_remote_code=trust_remote_code, python=python, timeout=timeout, check_seconds=timeout,
        checks={entry_id: check} if check else None,
    )  # fmt: skip
    return findings[entry_id], stderr


def verify_many_in_subprocess(
    entry_ids: Sequence[str],
    *,
    model: str | None = None,
    adapter: str | None = None,
    device: str = "auto",
    dtype: str = "auto",
    trust_remote_code: bool = False,
    python: str | None = None,
    timeout: float = 600.0,
    check_seconds: float | None = None,
    checks: Mapping[str, str] | None = None,
) -> tuple[dict[str, Finding], str]:
    """Load ``model``/``adapter`` ONCE in a child interpreter and run the check of every entry there.

    ``timeout`` bounds the whole child; ``check_seconds`` each check inside it (by default an equal
    share of ``timeout``, one share kept for loading, at least ``MIN_CHECK_SECONDS``). A check that
    raises or hangs costs its own finding only.

    Returns:
        entry id → finding for every entry asked (``error`` for those the child never answered),
        and the child's stderr (``peft-why: ...`` lines say what went wrong with the inputs).
    ``checks`` maps an entry id to the check its ``verify:`` names (default: derived from the id).
    """
    wanted = list(dict.fromkeys(entry_ids))
    if check_seconds is None:
        check_seconds = max(MIN_CHECK_SECONDS, timeout / (len(wanted) + 1))
    request = {
        "entry_ids": wanted, "model": model, "adapter": adapter, "device": device, "dtype": dtype,
        "trust_remote_code": trust_remote_code, "check_seconds": check_seconds, "checks": dict(checks or {}),
    }  # fmt: skip
    env = dict(os.environ, HF_HUB_OFFLINE="1", HF_HUB_DISABLE_PROGRESS_BARS="1", TRANSFORMERS_VERBOSITY="error")
    env.setdefault("PYTHONWARNINGS", "ignore")
    try:
        done = subprocess.run(
            [python or sys.executable, WORKER], input=json.dumps(request), capture_output=True, text=True,
            timeout=timeout, env=env, check=False,
        )  # fmt: skip
        stdout, stderr, why = done.stdout, done.stderr, None
    except subprocess.TimeoutExpired as exc:
        stdout, stderr = _text(exc.stdout), _text(exc.stderr)
        why = f"the check did not finish within {timeout:g} s"
    except OSError as exc:
        return {entry: _error(entry, f"cannot run {python or sys.executable}: {exc}", checks) for entry in wanted}, ""
    findings: dict[str, Finding] = {}
    for line in stdout.splitlines():
        if line.startswith(MARKER):
            found = Finding.from_dict(json.loads(line[len(MARKER) :]))
            findings.setdefault(found.entry_id, found)
    if why is None:
        tail = " | ".join(stderr.strip().splitlines()[-3:])
        why = f"the worker exited with code {done.returncode} and no finding: {tail}"
    for entry in wanted:
        findings.setdefault(entry, _error(entry, why, checks))
    return {entry: findings[entry] for entry in wanted}, stderr


def _text(data: bytes | str | None) -> str:
    if isinstance(data, bytes):
        return data.decode("utf-8", "replace")
    return data or ""


def _error(entry_id: str, message: str, checks: Mapping[str, str] | None) -> Finding:
    return Finding(entry_id, ERROR, message, check=(checks or {}).get(entry_id) or check_name(entry_id))
