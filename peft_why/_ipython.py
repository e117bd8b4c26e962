"""IPython and Jupyter: the diagnosis under a cell's traceback.

IPython does not use ``sys.excepthook`` for cell errors; the hook follows the shell's traceback
display (``_showtraceback``, as rich does), so ``%debug`` and ``%tb`` keep working. IPython itself
is never imported here.
"""

from __future__ import annotations

import sys

# Not ``typing.TYPE_CHECKING``: ``install()`` imports this module when it runs inside IPython.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

    from peft_why.hook import _Hook


def running_ipython() -> Any:
    """The running IPython shell, if this process is one (IPython is never imported here)."""
    ipython = sys.modules.get("IPython")
    get = getattr(ipython, "get_ipython", None)
    try:
        shell = get() if get is not None else None
    except Exception:
        return None
    return shell if shell is not None and hasattr(shell, "_showtraceback") else None


def wrap(shell: Any, hook: _Hook) -> Callable[..., Any]:
    """Replace ``shell._showtraceback`` (on the instance) with one that diagnoses after it; return ours."""
    from peft_why.hook import is_disabled

    original = shell._showtraceback

    def _showtraceback(etype: type[BaseException], evalue: BaseException, stb: Any) -> Any:
        result = original(etype, evalue, stb)
        try:  # noqa: SIM105 (contextlib would be one more import)
            sys.stdout.flush()
        except Exception:
            pass
        if hook.active and isinstance(evalue, Exception) and not is_disabled():
            hook.after_traceback(evalue)
        return result

    shell._showtraceback = _showtraceback
    return _showtraceback


def unwrap(shell: Any, ours: Any) -> None:
    """Remove our display where it is still the shell's own (the class's method shows through again)."""
    if shell is not None and shell.__dict__.get("_showtraceback") is ours:
        del shell._showtraceback
