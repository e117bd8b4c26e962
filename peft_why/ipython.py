"""``%load_ext peft_why``: the diagnosis under IPython's and Jupyter's tracebacks.

IPython does not use ``sys.excepthook`` for cell errors; the hook wraps the
shell's traceback display instead (see ``peft_why.hook``).
"""

from __future__ import annotations

from typing import Any


def load_ipython_extension(ipython: Any) -> None:
    """Called by ``%load_ext peft_why``: install the hook and follow this shell's tracebacks."""
    from peft_why import hook

    hook.install()
    hook.attach_ipython(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """Called by ``%unload_ext peft_why``: restore what ``load_ipython_extension`` replaced."""
    from peft_why import hook

    del ipython
    hook.uninstall()
