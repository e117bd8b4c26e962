"""Verify on a live failure: the checks of the matched entries, on the objects in the failing frames.

What ``install(verify=True)`` and ``diagnose_exception(verify=True)`` share. The checks run one after
another in a daemon thread of the failing process; all of them together get ``seconds`` (after the
frame scan's own ``_frames.SCAN_SECONDS``), and whatever has not finished by then is reported as
skipped, so the host's exit is never held for long. Never raises.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from types import TracebackType

from ._core import ERROR, Finding
from ._frames import FrameObjects, find_objects
from ._runner import check_name, load_check, verify

# All live checks of one failure together; past this they are abandoned (a daemon thread).
VERIFY_SECONDS = 10.0
# A check's exception text is cut here (it may hold a tensor's repr).
MAX_MESSAGE_CHARS = 200


def verify_from_frames(
    error: BaseException | TracebackType | None,
    entry_ids: Sequence[str],
    *,
    seconds: float = VERIFY_SECONDS,
    objects: FrameObjects | None = None,
    checks: Mapping[str, str | None] | None = None,
) -> tuple[FrameObjects, dict[str, Finding]]:
    """Run the check of each entry (those that have one) on the objects in ``error``'s frames.

    ``checks`` maps an entry id to the check its ``verify:`` names (None: it has none); an entry
    missing from it falls back to the id-derived name, for this module runs without the KB.

    Returns:
        What the frames held, and entry id → finding for every entry with a check (``error``
        when the check raised or did not finish in time). Entries without a check are left out.
    """
    found = objects if objects is not None else find_objects(error)
    named = {entry: checks[entry] if checks and entry in checks else check_name(entry) for entry in entry_ids}
    names = {entry: name for entry, name in named.items() if name}
    wanted = [entry for entry, name in names.items() if load_check(name) is not None]
    context = found.context()
    model = context.pop("model", None)
    if found.models:
        context["origin"] = {"model": found.models[0].where}
    results: dict[str, Finding] = {}
    deadline = time.monotonic() + seconds

    def run() -> None:
        for entry in wanted:
            if time.monotonic() > deadline:
                return
            try:
                results[entry] = verify(entry, model, check=names[entry], **context)
            except Exception as exc:  # verify catches a check's own errors; this is belt and braces
                results[entry] = Finding(entry, ERROR, _short(f"the check failed ({type(exc).__name__}: {exc})"))

    worker = threading.Thread(target=run, name="peft-why-verify", daemon=True)
    worker.start()
    worker.join(max(0.0, deadline - time.monotonic()))
    done = dict(results)  # the worker may still be writing
    for entry in wanted:
        if entry not in done:
            done[entry] = Finding(
                entry, ERROR, f"the check did not finish within {seconds:g} s; skipped", check=names[entry]
            )
        elif done[entry].status == ERROR:
            done[entry] = Finding(**{**done[entry].to_dict(), "message": _short(done[entry].message), "evidence": ()})
    return found, done


def _short(text: str) -> str:
    first = text.splitlines()[0] if text else text
    return first if len(first) <= MAX_MESSAGE_CHARS else first[: MAX_MESSAGE_CHARS - 1] + "…"
