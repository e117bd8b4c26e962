"""``python -m peft_why.runner SCRIPT [ARGS]...``: run a script as ``python SCRIPT`` would, with the hook on.

``peft-why run`` execs this. The script runs as ``__main__`` with its own
``sys.argv`` and ``sys.path[0]``; an uncaught exception is shown through
``sys.excepthook`` without this module's frame and exits with status 1, as the
interpreter does. ``SystemExit`` and ``KeyboardInterrupt`` pass through untouched.
"""

from __future__ import annotations

import os
import sys
import types


def run_script(path: str, args: list[str]) -> None:
    """Execute ``path`` as the ``__main__`` module with ``args`` as its arguments."""
    from peft_why.hook import autoinstall

    filename = os.path.abspath(path)  # as ``python SCRIPT`` shows it in tracebacks
    with open(filename, "rb") as source_file:
        source = source_file.read()
    autoinstall()
    try:
        code = compile(source, filename, "exec", dont_inherit=True)
    except SyntaxError as exc:  # python shows it without frames
        sys.excepthook(type(exc), exc.with_traceback(None), None)
        sys.exit(1)
    main = types.ModuleType("__main__")
    main.__file__ = filename
    main.__builtins__ = __builtins__  # type: ignore[attr-defined]
    sys.modules["__main__"] = main
    sys.argv = [path, *args]
    sys.path[0] = os.path.dirname(filename)
    try:
        exec(code, main.__dict__)
    except (SystemExit, KeyboardInterrupt):
        raise
    except BaseException as exc:
        tb = exc.__traceback__.tb_next if exc.__traceback__ is not None else None  # hide this frame
        sys.excepthook(type(exc), exc.with_traceback(tb), tb)
        sys.exit(1)


def main() -> None:
    """Entry point of ``python -m peft_why.runner``."""
    if len(sys.argv) < 2:
        sys.stderr.write("usage: python -m peft_why.runner SCRIPT [ARGS]...\n")
        sys.exit(2)
    path = sys.argv[1]
    if not os.path.isfile(path):
        sys.stderr.write(f"peft-why run: {path}: no such file\n")
        sys.exit(2)
    run_script(path, sys.argv[2:])


if __name__ == "__main__":
    main()
