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
"""

from __future__ import annotations

import os
import sys

# Not ``typing.TYPE_CHECKING``: the .pth line imports this module at every start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import logging
    import threading
    from collections.abc import Sequence
    from types import TracebackType
    from typing import Any, Callable, Optional, TextIO

    from peft_why.matcher.types import Diagnosis

    ExceptHook = Callable[[type[BaseException], BaseException, Optional[TracebackType]], Any]

# Regex and fuzzy only: the slower stages (semantic) stay out of a crashing process.
DEFAULT_STAGES: tuple[str, ...] = ("regex", "fuzzy")
# A runner-up within this distance of the best score is worth a line.
CLOSE_RUNNER_UP = 0.1
# Loggers whose warnings ``install(warnings=True)`` matches (their records, not their output).
WARNING_LOGGERS: tuple[str, ...] = ("transformers", "peft", "accelerate", "trl")
# A distributed lock file older than this is from another job that reused the same key.
STALE_LOCK_SECONDS = 24 * 3600
# A live check runs in the failing process; past this it is abandoned (a daemon thread).
VERIFY_SECONDS = 10.0

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
        verify: run the matched entry's check on the live model (``None``: ``PEFT_WHY_VERIFY=1``).
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
    shell = _running_ipython()
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
    """``PEFT_WHY=0`` (or ``false``/``off``/``no``) turns the hook off at run time."""
    return os.environ.get("PEFT_WHY", "").strip().lower() in ("0", "false", "off", "no")


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
        self.seen_warnings: set[str] = set()
        self.warned_entries: set[str] = set()
        self.busy = False
        self._previous_showwarning: Callable[..., Any] | None = None
        self._showwarning: Callable[..., Any] | None = None
        self._log_handler: logging.Handler | None = None
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
            diagnoses = _diagnoses(exc, self.stages)
            if not (diagnoses or self.report) or not _first_in_job(os.environ):
                return  # nothing to say, or another rank of this job already said it
            if diagnoses:
                _write(format_diagnosis(diagnoses, color=_use_color(sys.stderr)))
                if self.verify if self.verify is not None else _env_flag("PEFT_WHY_VERIFY"):
                    _write(verify_live(exc, diagnoses[0].id) + "\n")
            if self.report:
                path = write_report(exc, diagnoses)
                _write(f"peft-why: issue report written to {path}\n")
        except Exception as err:
            _write(f"peft-why: internal error ({type(err).__name__}: {err}); PEFT_WHY=0 turns the hook off\n")
        finally:
            self.busy = False

    # -- warnings ------------------------------------------------------------

    def watch_warnings(self) -> None:
        """Match warnings as they are shown (``warnings`` module and the libraries' loggers)."""
        import logging
        import warnings

        previous = warnings.showwarning

        def showwarning(
            message: Warning | str,
            category: type[Warning],
            filename: str,
            lineno: int,
            file: TextIO | None = None,
            line: str | None = None,
        ) -> None:
            previous(message, category, filename, lineno, file, line)
            self.on_warning(warnings.formatwarning(message, category, filename, lineno, ""))

        self._previous_showwarning, self._showwarning = previous, showwarning
        warnings.showwarning = showwarning
        hook = self

        class _Handler(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                last_resort = logging.lastResort
                # Alone, we would swallow Python's last-resort output: the warning itself, on stderr.
                alone = last_resort is not None and not self._handled_elsewhere(record)
                if alone and last_resort is not None and record.levelno >= last_resort.level:
                    last_resort.handle(record)
                hook.on_warning(f"WARNING {record.name}: {record.getMessage()}")

            def _handled_elsewhere(self, record: logging.LogRecord) -> bool:
                logger: logging.Logger | None = logging.getLogger(record.name)
                while logger is not None:
                    if any(handler is not self for handler in logger.handlers):
                        return True
                    logger = logger.parent if logger.propagate else None
                return False

        self._log_handler = _Handler(logging.WARNING)
        for name in WARNING_LOGGERS:
            logging.getLogger(name).addHandler(self._log_handler)

    def on_warning(self, text: str) -> None:
        """Diagnose one shown warning; print each entry once per process. Never raises."""
        if not self.active or self.busy or is_disabled() or text in self.seen_warnings:
            return
        self.seen_warnings.add(text)
        self.busy = True
        try:
            from peft_why.matcher.diagnose import diagnose_text

            found = diagnose_text(text, top=2, stages=self.stages)
            if found and found[0].id not in self.warned_entries:
                self.warned_entries.add(found[0].id)
                _write(format_diagnosis(found, color=_use_color(sys.stderr), about="this warning"))
        except Exception as err:
            _write(f"peft-why: internal error ({type(err).__name__}: {err}); PEFT_WHY=0 turns the hook off\n")
        finally:
            self.busy = False

    def restore_warnings(self) -> None:
        import logging
        import warnings

        if self._showwarning is not None and warnings.showwarning is self._showwarning:
            warnings.showwarning = self._previous_showwarning  # type: ignore[assignment]
        if self._log_handler is not None:
            for name in WARNING_LOGGERS:
                logging.getLogger(name).removeHandler(self._log_handler)

    # -- IPython -------------------------------------------------------------

    def wrap_ipython(self, shell: Any) -> None:
        """Follow IPython's traceback display (``_showtraceback``, as rich does); %debug, %tb still work."""
        original = shell._showtraceback
        hook = self

        def _showtraceback(etype: type[BaseException], evalue: BaseException, stb: Any) -> Any:
            result = original(etype, evalue, stb)
            try:  # noqa: SIM105 (contextlib would be one more import at every start-up)
                sys.stdout.flush()
            except Exception:
                pass
            if hook.active and isinstance(evalue, Exception) and not is_disabled():
                hook.after_traceback(evalue)
            return result

        self.ipython_shell, self._ipython_display = shell, _showtraceback
        shell._showtraceback = _showtraceback

    def unwrap_ipython(self) -> None:
        shell, ours = self.ipython_shell, self._ipython_display
        if shell is not None and shell.__dict__.get("_showtraceback") is ours:
            del shell._showtraceback  # the class's own method shows through again
        self.ipython_shell = self._ipython_display = None


def _running_ipython() -> Any:
    """The running IPython shell, if this process is one (IPython is never imported here)."""
    ipython = sys.modules.get("IPython")
    get = getattr(ipython, "get_ipython", None)
    try:
        shell = get() if get is not None else None
    except Exception:
        return None
    return shell if shell is not None and hasattr(shell, "_showtraceback") else None


def _diagnoses(exc: BaseException, stages: Sequence[str]) -> list[Diagnosis]:
    from peft_why.matcher.diagnose import diagnose_exception

    found: list[Diagnosis] = diagnose_exception(exc, top=3, stages=stages)
    return found


def format_diagnosis(diagnoses: Sequence[Diagnosis], *, color: bool = False, about: str = "this error") -> str:
    """The block printed under a traceback: best entry, its fix, where to read more, a close runner-up."""
    from peft_why.matcher.diagnose import get_kb

    kb, _ = get_kb()
    best = diagnoses[0]
    entry = kb.get(best.id)
    bold, dim, green, yellow, reset = ("\x1b[1m", "\x1b[2m", "\x1b[32m", "\x1b[33m", "\x1b[0m") if color else ("",) * 5
    lines = [
        "",
        f"{bold}peft-why{reset} — {about} looks like: {bold}{best.title}{reset}",
        f"  {dim}id{reset} {best.id}  ·  {best.confidence} confidence ({best.score:.2f})",
    ]
    if entry is not None:
        lines.append(f"  {green}Fix:{reset} {entry.fix.summary}")
    more = f"peft-why explain {best.id}"
    link = docs_url(best.id)
    lines.append(f"  {dim}More:{reset} {more}" + (f"  ·  {link}" if link else ""))
    for other in diagnoses[1:2]:
        if best.score - other.score <= CLOSE_RUNNER_UP:
            lines.append(f"  {yellow}Runner-up:{reset} {other.title} ({other.id}, {other.score:.2f})")
    return "\n".join(lines) + "\n"


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


def docs_url(entry_id: str) -> str | None:
    """The entry's page on the docs site, when ``PEFT_WHY_DOCS_URL`` names one."""
    base = os.environ.get("PEFT_WHY_DOCS_URL", "").strip()
    return f"{base.rstrip('/')}/entries/{entry_id}/" if base else None


def write_report(exc: BaseException, diagnoses: Sequence[Diagnosis]) -> str:
    """Write the issue-ready report for ``exc`` to a temp file; return its path."""
    import tempfile
    import time
    import traceback

    from peft_why.report import build_report, live_environment

    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    markdown = build_report(text, diagnoses, live_environment())
    stamp = time.strftime("%Y%m%d-%H%M%S")
    fd, path = tempfile.mkstemp(prefix=f"peft-why-report-{stamp}-", suffix=".md")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(markdown)
    return path


def _use_color(stream: Any) -> bool:
    """ANSI colour on a terminal unless ``NO_COLOR`` is set; ``FORCE_COLOR`` forces it."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    try:
        return bool(stream.isatty())
    except Exception:
        return False


def _write(text: str) -> None:
    """Everything the hook says goes to stderr (a host's piped stdout stays clean)."""
    try:
        stream = sys.stderr if sys.stderr is not None else sys.__stderr__
        if stream is not None:
            stream.write(text)
            stream.flush()
    except Exception:
        pass


def _print_exception(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """The interpreter's own traceback display, used when the previous hook itself fails."""
    try:  # noqa: SIM105
        sys.__excepthook__(exc_type, exc, tb)
    except Exception:
        pass


# -- distributed runs: one diagnosis per job per machine -----------------------


def is_distributed(env: Any) -> bool:
    """Whether this process is one rank of several (torchrun, accelerate, deepspeed all set WORLD_SIZE)."""
    try:
        return int(env.get("WORLD_SIZE", "1") or "1") > 1
    except ValueError:
        return False


def job_key(env: Any, parent: int | None = None) -> str:
    """What the ranks of one job on one machine share: the rendezvous and the launcher (parent) process."""
    parent = os.getppid() if parent is None else parent
    rendezvous = [env.get(name, "") for name in ("TORCHELASTIC_RUN_ID", "MASTER_ADDR", "MASTER_PORT")]
    return "|".join([*rendezvous, str(parent), _process_start(parent)])


def lock_path(env: Any, parent: int | None = None) -> str:
    """The lock file the first failing rank of this job creates (in the temp dir: one per machine)."""
    import hashlib
    import tempfile

    digest = hashlib.sha256(job_key(env, parent).encode()).hexdigest()[:20]
    return os.path.join(tempfile.gettempdir(), f"peft-why-{digest}.lock")


def _process_start(pid: int) -> str:
    """The launcher's start time (Linux), so a reused pid is not the same job."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[-1].split()[19]
    except (OSError, IndexError):
        return ""


def _first_in_job(env: Any) -> bool:
    """True for a single process, and for the first rank of a job that gets here (an O_EXCL lock file)."""
    if not is_distributed(env):
        return True
    import time

    path = lock_path(env)
    for _attempt in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                if time.time() - os.path.getmtime(path) > STALE_LOCK_SECONDS:
                    os.unlink(path)
                    continue
            except OSError:
                pass
            return False
        except OSError:
            return True  # no usable temp dir: a duplicate beats silence
        with os.fdopen(fd, "w") as lock:
            lock.write(f"{os.getpid()} rank {env.get('RANK', '?')}\n")
        return True
    return False
