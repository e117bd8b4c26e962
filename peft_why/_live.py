"""``install(verify=True)``: run the matched entry's check on the live objects in the failing frames.

The frames' model, PEFT config, adapter folder, trainer and training arguments are passed to the
check (``peft_why.kb.checks._live``). Budget: the frame scan stops after ``SCAN_SECONDS`` (1 s) and
the check after ``VERIFY_SECONDS`` (10 s, in a daemon thread, then abandoned), so a slow check never
holds the host's exit for long. The lines printed hold names, types and counts, never a tensor.
"""

from __future__ import annotations

from typing import Any

from peft_why.kb.checks._live import VERIFY_SECONDS, verify_from_frames

__all__ = ["VERIFY_SECONDS", "verify_live"]
# Evidence lines shown under the verdict (the check's own list is already capped).
EVIDENCE_LINES = 8


def verify_live(exc: BaseException, entry_id: str, *, seconds: float = VERIFY_SECONDS) -> str:
    """Run ``entry_id``'s check on what ``exc``'s frames hold; a verdict line plus its evidence.

    Bounded (see the module docstring). Never raises.
    """
    try:
        from peft_why.matcher.diagnose import entry_check

        checks = {entry_id: entry_check(entry_id)}
        objects, findings = verify_from_frames(exc, [entry_id], seconds=seconds, checks=checks)
    except Exception as err:
        return f"  Verify: the check failed ({type(err).__name__})"
    if not (objects.models or objects.peft_configs or objects.adapter_dirs):
        return "  Verify: no model found in the failing frames (nothing to check)"
    result = findings.get(entry_id)
    if result is None:
        return f"  Verify: {entry_id} has no check"
    lines = [f"  Verify ({', '.join(objects.names())}): {result.status}: {result.message}"]
    if result.status in ("confirmed", "not-confirmed"):
        lines += [f"    - {line}" for line in _evidence(result.evidence)]
    return "\n".join(lines)


def _evidence(items: Any) -> list[str]:
    listed = [str(item) for item in items]
    return listed[:EVIDENCE_LINES] + (
        [f"… and {len(listed) - EVIDENCE_LINES} more"] if len(listed) > EVIDENCE_LINES else []
    )
