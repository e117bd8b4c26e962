"""peft-why: why did my PEFT adapter fail?

Public API (imported lazily, so ``import peft_why`` costs almost nothing and
changes no global state)::

    peft_why.diagnose_text(text, top=3)      # a pasted traceback, error line or sentence
    peft_why.diagnose_exception(exc)         # a live exception
    peft_why.Diagnosis, peft_why.Evidence    # the result types
    peft_why.diagnose(model, phase="auto")   # run every verification check on a live model
    peft_why.verify(entry_id, model)         # run one entry's check → peft_why.Finding
    peft_why.find_models(exc)                # candidate models in a traceback's frames
    peft_why.install(), peft_why.uninstall() # a diagnosis under every uncaught exception
    %load_ext peft_why                       # the same in IPython / Jupyter
"""

from __future__ import annotations

# Not ``typing.TYPE_CHECKING``: importing typing would cost more than the whole package (bench/).
TYPE_CHECKING = False
__version__ = "0.1.0"

_LAZY = {
    "diagnose_text": "peft_why.matcher.diagnose",
    "diagnose_exception": "peft_why.matcher.diagnose",
    "Diagnosis": "peft_why.matcher.types",
    "Evidence": "peft_why.matcher.types",
    "diagnose": "peft_why.kb.checks._runner",
    "verify": "peft_why.matcher.diagnose",  # resolves the entry's verify: field, then kb.checks._runner
    "Finding": "peft_why.kb.checks._core",
    "find_models": "peft_why.kb.checks._frames",
    "install": "peft_why.hook",
    "uninstall": "peft_why.hook",
    "load_ipython_extension": "peft_why.ipython",
    "unload_ipython_extension": "peft_why.ipython",
}

__all__ = [
    "Diagnosis",
    "Evidence",
    "Finding",
    "__version__",
    "diagnose",
    "diagnose_exception",
    "diagnose_text",
    "find_models",
    "install",
    "load_ipython_extension",
    "uninstall",
    "unload_ipython_extension",
    "verify",
]

if TYPE_CHECKING:
    from typing import Any

    from peft_why.hook import install, uninstall
    from peft_why.ipython import load_ipython_extension, unload_ipython_extension
    from peft_why.kb.checks._core import Finding
    from peft_why.kb.checks._frames import find_models
    from peft_why.kb.checks._runner import diagnose
    from peft_why.matcher.diagnose import diagnose_exception, diagnose_text, verify
    from peft_why.matcher.types import Diagnosis, Evidence


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'peft_why' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
