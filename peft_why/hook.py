"""The exception hook: a diagnosis right under the user's own traceback.

``install()`` chains peft-why after the interpreter's ``sys.excepthook`` and
``threading.excepthook`` (and IPython's traceback display when IPython runs):
the original traceback prints first, unchanged, then a compact diagnosis on
stderr, or nothing when the matcher abstains. The hook never breaks its host:
an internal error costs one line, ``KeyboardInterrupt``/``SystemExit`` pass
untouched, and the exit code stays the interpreter's. ``PEFT_WHY=0`` turns it
off at run time.

Importing this module changes nothing and imports only ``os`` and ``sys``: it
runs at every interpreter start-up once ``peft-why hook install`` wrote its
``.pth`` line. The matcher is imported on the first failure.

The hook's other jobs live beside it, each imported only when needed: ``_render`` (the
printed block, stderr), ``_warnings``, ``_ipython``, ``_live`` (verification on the live
objects), ``_report_file`` and ``_distributed`` (one diagnosis per job). Their public
names are re-exported here (module ``__getattr__``), so ``peft_why.hook.format_diagnosis``
and friends keep working without being imported at start-up.
"""

from __future__ import annotations

import os
import sys

# Not ``typing.TYPE_CHECKING``: the .pth line imports this module at every start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import threading
    from collections.abc import Sequence
    from types import TracebackType
    from typing import Any, Callable, Optional

    from peft_why._warnings import WarningWatcher
    from peft_why.matcher.diagnose import PasteDiagnosis

    ExceptHook = Callable[[type[BaseException], BaseException, Optional[TracebackType]], Any]

# Regex and fuzzy only: the slower stages (semantic) stay out of a crashing process. Written out, not
# imported: this module imports only os and sys; tests/matcher/test_front_ends.py holds it equal to
# matcher.front_ends.FRONT_ENDS["hook"].
DEFAULT_STAGES: tuple[str, ...] = ("regex", "fuzzy")

_hook: _Hook | None = None


def install(
    *,
    warnings: bool = False,
    verify: bool | None = None,
    report: bool = False,
    stages: Sequence[str] = DEFAULT_STAGES,
) -> ExceptHook:
    """Show a peft-why diagnosis under every uncaught exception of this process.

    Args:
        warnings: also match PEFT/transformers warnings as they are shown, once per warning.
        verify: run the matched entry's check on what the failing frames hold: the model, PEFT
            config, adapter folder, trainer and training arguments; 1 s to look, 10 s to check,
            then abandoned (``None``: ``PEFT_WHY_VERIFY=1``).
        report: also write an issue-ready Markdown report (see ``peft_why.report``) to a temp file.
        stages: matcher stages the hook may use (regex and fuzzy by default: cheap and bounded).

    Returns:
        The ``sys.excepthook`` that was installed before; a second call changes nothing
        and returns the same one.
    """
    global _hook
    if _hook is not None:
        return _hook.previous
    import threading

    hook = _Hook(sys.excepthook, threading.excepthook, verify=verify, report=report, stages=stages)
    sys.excepthook = hook
    threading.excepthook = hook.thread_hook
    if warnings:
        hook.watch_warnings()
    if "IPython" in sys.modules:  # else no shell can be running, and _ipython need not load
        from peft_why._ipython import running_ipython

        shell = running_ipython()
        if shell is not None:
            hook.wrap_ipython(shell)
    _hook = hook
    return hook.previous


def uninstall() -> bool:
    """Restore the hooks ``install()`` replaced, where ours are still the ones installed.

    A hook that another tool installed after ours is left alone (ours then only
    passes exceptions through). Returns False when the hook was not installed.
    """
    global _hook
    hook, _hook = _hook, None
    if hook is None:
        return False
    hook.active = False
    if sys.excepthook is hook:
        sys.excepthook = hook.previous
    import threading

    if threading.excepthook == hook.thread_hook:
        threading.excepthook = hook.previous_thread
    hook.restore_warnings()
    hook.unwrap_ipython()
    return True


def attach_ipython(shell: Any) -> None:
    """Show diagnoses under this IPython shell's tracebacks too (``%load_ext peft_why``)."""
    if _hook is not None and _hook.ipython_shell is not shell:
        _hook.unwrap_ipython()
        _hook.wrap_ipython(shell)


def is_installed() -> bool:
    """Whether ``install()`` is in effect in this process."""
    return _hook is not None


def autoinstall() -> None:
    """Install from the environment: the ``.pth`` line and ``peft-why run`` call this.

    ``PEFT_WHY=0`` skips it; ``PEFT_WHY_WARNINGS=1`` and ``PEFT_WHY_REPORT=1`` turn
    on the matching options (``PEFT_WHY_VERIFY=1`` is read at failure time).
    """
    if is_disabled():
        return
    install(warnings=_env_flag("PEFT_WHY_WARNINGS"), report=_env_flag("PEFT_WHY_REPORT"))


def is_disabled() -> bool:
    """``PEFT_WHY=0`` (or ``false``/``off``/``no``) turns the hook off at run time (``_env`` parses it)."""
    from ._env import is_disabled as env_disabled

    return env_disabled()


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "on", "yes")


class _Hook:
    """The installed ``sys.excepthook``; it remembers what it replaced so it can chain and restore."""

    def __init__(
        self,
        previous: ExceptHook,
        previous_thread: Callable[[threading.ExceptHookArgs], Any],
        *,
        verify: bool | None,
        report: bool,
        stages: Sequence[str],
    ) -> None:
        self.previous = previous
        self.previous_thread = previous_thread
        self.verify = verify
        self.report = report
        self.stages = tuple(stages)
        self.active = True
        self.busy = False
        self.warnings: WarningWatcher | None = None
        self.ipython_shell: Any = None
        self._ipython_display: Callable[..., Any] | None = None

    # -- uncaught exceptions -------------------------------------------------

    def __call__(self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        self.handle(exc, lambda: self.previous(exc_type, exc, tb), lambda: _print_exception(exc_type, exc, tb))

    def thread_hook(self, args: threading.ExceptHookArgs) -> None:
        """``threading.excepthook``: the same, after the thread's own traceback."""
        exc = args.exc_value
        if exc is None:
            self.previous_thread(args)
            return

        def fallback() -> None:
            _write(f"Exception in thread {getattr(args.thread, 'name', '?')}:\n")
            _print_exception(args.exc_type, exc, args.exc_traceback)

        self.handle(exc, lambda: self.previous_thread(args), fallback)

    def handle(self, exc: BaseException, show: Callable[[], Any], fallback: Callable[[], Any]) -> None:
        """Show the original traceback (``show``; ``fallback`` if that hook fails), then the diagnosis."""
        try:
            show()
        except Exception as err:
            fallback()
            _write(f"peft-why: the previous exception hook failed ({type(err).__name__}: {err})\n")
        if self.active and isinstance(exc, Exception) and not is_disabled():
            self.after_traceback(exc)

    def after_traceback(self, exc: BaseException) -> None:
        """Diagnose ``exc`` and print the result; never raises."""
        if self.busy:
            return
        self.busy = True
        try:
            from peft_why._distributed import first_in_job
            from peft_why._render import format_diagnosis, use_color

            pasted = _diagnoses(exc, self.stages)
            diagnoses = list(pasted.diagnoses)
            sources = pasted.source_answers
            if not (diagnoses or sources or self.report) or not first_in_job(os.environ):
                return  # nothing to say, or another rank of this job already said it
            if not diagnoses and sources:
                from peft_why._render import format_source

                _write(format_source(sources[0], color=use_color(sys.stderr)))
            if diagnoses:
                _write(format_diagnosis(diagnoses, color=use_color(sys.stderr)))
                if self.verify if self.verify is not None else _env_flag("PEFT_WHY_VERIFY"):
                    from peft_why._live import verify_live

                    _write(verify_live(exc, diagnoses[0].id) + "\n")
            if self.report:
                from peft_why._report_file import write_report

                path = write_report(exc, diagnoses)
                _write(f"peft-why: issue report written to {path}\n")
        except Exception as err:
            _write(f"peft-why: internal error ({type(err).__name__}: {err}); PEFT_WHY=0 turns the hook off\n")
        finally:
            self.busy = False

    # -- warnings (peft_why._warnings) ---------------------------------------

    def watch_warnings(self) -> None:
        """Match warnings as they are shown (``warnings`` module and the libraries' loggers)."""
        from peft_why._warnings import WarningWatcher

        if self.warnings is None:
            self.warnings = WarningWatcher(self)
            self.warnings.watch()

    def restore_warnings(self) -> None:
        if self.warnings is not None:
            self.warnings.restore()

    # -- IPython (peft_why._ipython) -----------------------------------------

    def wrap_ipython(self, shell: Any) -> None:
        """Follow IPython's traceback display (``_showtraceback``, as rich does); %debug, %tb still work."""
        from peft_why._ipython import wrap

        self.ipython_shell, self._ipython_display = shell, wrap(shell, self)

    def unwrap_ipython(self) -> None:
        if self.ipython_shell is not None:
            from peft_why._ipython import unwrap

            unwrap(self.ipython_shell, self._ipython_display)
        self.ipython_shell = self._ipython_display = None


def _diagnoses(exc: BaseException, stages: Sequence[str]) -> PasteDiagnosis:
    from peft_why.matcher.diagnose import exception_paste

    return exception_paste(exc, top=3, stages=stages)


def _write(text: str) -> None:
    """Everything the hook says goes to stderr (a host's piped stdout stays clean)."""
    from peft_why._render import write

    write(text)


def _print_exception(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """The interpreter's own traceback display, used when the previous hook itself fails."""
    try:  # noqa: SIM105
        sys.__excepthook__(exc_type, exc, tb)
    except Exception:
        pass


# Public (and test-facing) names of the hook's parts, loaded on first use: this module
# is imported at every interpreter start-up and must stay as cheap as ``os`` and ``sys``.
_MOVED = {
    "CLOSE_RUNNER_UP": "peft_why._render",
    "format_diagnosis": "peft_why._render",
    "docs_url": "peft_why._render",
    "_use_color": ("peft_why._render", "use_color"),
    "WARNING_LOGGERS": "peft_why._warnings",
    "VERIFY_SECONDS": "peft_why._live",
    "verify_live": "peft_why._live",
    "write_report": "peft_why._report_file",
    "STALE_LOCK_SECONDS": "peft_why._distributed",
    "is_distributed": "peft_why._distributed",
    "job_key": "peft_why._distributed",
    "lock_path": "peft_why._distributed",
    "_first_in_job": ("peft_why._distributed", "first_in_job"),
    "_running_ipython": ("peft_why._ipython", "running_ipython"),
}


def __getattr__(name: str) -> Any:
    where = _MOVED.get(name)
    if where is None:
        raise AttributeError(f"module 'peft_why.hook' has no attribute {name!r}")
    import importlib

    module_name, attr = where if isinstance(where, tuple) else (where, name)
    return getattr(importlib.import_module(module_name), attr)
