"""``install(warnings=True)``: match PEFT/transformers warnings as they are shown, once per entry.

Follows both ways a library warns: ``warnings.showwarning`` and the libraries' loggers. The warning
itself is always shown first, unchanged (a logged warning with no handler still reaches Python's
last-resort stderr output).
"""

from __future__ import annotations

# Not ``typing.TYPE_CHECKING``: ``PEFT_WHY_WARNINGS=1`` imports this module at every start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import logging
    from typing import Any, Callable, TextIO

    from peft_why.hook import _Hook

# Loggers whose warnings ``install(warnings=True)`` matches (their records, not their output).
WARNING_LOGGERS: tuple[str, ...] = ("transformers", "peft", "accelerate", "trl")


class WarningWatcher:
    """What ``install(warnings=True)`` replaced, so ``restore`` can put it back; and what was said."""

    def __init__(self, hook: _Hook) -> None:
        self.hook = hook
        self.seen: set[str] = set()
        self.warned_entries: set[str] = set()
        self._previous_showwarning: Callable[..., Any] | None = None
        self._showwarning: Callable[..., Any] | None = None
        self._log_handler: logging.Handler | None = None

    def watch(self) -> None:
        """Match warnings as they are shown (``warnings`` module and the libraries' loggers)."""
        import logging
        import warnings

        previous = warnings.showwarning
        watcher = self

        def showwarning(
            message: Warning | str,
            category: type[Warning],
            filename: str,
            lineno: int,
            file: TextIO | None = None,
            line: str | None = None,
        ) -> None:
            previous(message, category, filename, lineno, file, line)
            watcher.on_warning(warnings.formatwarning(message, category, filename, lineno, ""))

        self._previous_showwarning, self._showwarning = previous, showwarning
        warnings.showwarning = showwarning

        class _Handler(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                last_resort = logging.lastResort
                # Alone, we would swallow Python's last-resort output: the warning itself, on stderr.
                alone = last_resort is not None and not self._handled_elsewhere(record)
                if alone and last_resort is not None and record.levelno >= last_resort.level:
                    last_resort.handle(record)
                watcher.on_warning(f"WARNING {record.name}: {record.getMessage()}")

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
        from peft_why.hook import is_disabled

        hook = self.hook
        if not hook.active or hook.busy or is_disabled() or text in self.seen:
            return
        self.seen.add(text)
        hook.busy = True
        try:
            import sys

            from peft_why._render import format_diagnosis, use_color, write
            from peft_why.matcher.diagnose import diagnose_text

            found = diagnose_text(text, top=2, stages=hook.stages)
            if found and found[0].id not in self.warned_entries:
                self.warned_entries.add(found[0].id)
                write(format_diagnosis(found, color=use_color(sys.stderr), about="this warning"))
        except Exception as err:
            from peft_why._render import write

            write(f"peft-why: internal error ({type(err).__name__}: {err}); PEFT_WHY=0 turns the hook off\n")
        finally:
            hook.busy = False

    def restore(self) -> None:
        """Put back ``warnings.showwarning`` (where ours is still in place) and remove our log handler."""
        import logging
        import warnings

        if self._showwarning is not None and warnings.showwarning is self._showwarning:
            warnings.showwarning = self._previous_showwarning  # type: ignore[assignment]
        if self._log_handler is not None:
            for name in WARNING_LOGGERS:
                logging.getLogger(name).removeHandler(self._log_handler)
