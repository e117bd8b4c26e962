"""``install(verify=True)``: run the matched entry's check on the live model in the failing frames.

The check runs in a daemon thread of the failing process, bounded by ``VERIFY_SECONDS``; a check
still running then is abandoned, so a slow check never holds the host's exit for long.
"""

from __future__ import annotations

from typing import Any

# A live check runs in the failing process; past this it is abandoned (a daemon thread).
VERIFY_SECONDS = 10.0


def verify_live(exc: BaseException, entry_id: str, *, seconds: float = VERIFY_SECONDS) -> str:
    """Run ``entry_id``'s check on the model found in ``exc``'s frames; one line saying what it found.

    Bounded: a check still running after ``seconds`` is abandoned. Never raises.
    """
    import threading

    import peft_why

    try:
        find_models, verify = peft_why.find_models, peft_why.verify
    except (AttributeError, ImportError):
        return "  Verify: live checks are not available in this peft-why"
    models = find_models(exc)
    if not models:
        return "  Verify: no model found in the failing frames (nothing to check)"
    found = models[0]
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(verify(entry_id, found.model))
        except Exception as err:  # a check must not reach our own thread hook
            outcome.append(err)

    worker = threading.Thread(target=run, name="peft-why-verify", daemon=True)
    worker.start()
    worker.join(seconds)
    if not outcome:
        return f"  Verify: the check did not finish within {seconds:.0f} s; skipped"
    result = outcome[0]
    if isinstance(result, Exception):
        return f"  Verify: the check failed ({type(result).__name__}: {result})"
    where = found.where.rsplit(": ", 1)[-1]
    return f"  Verify ({where}): {result.status}: {result.message}"
