"""``peft-why run SCRIPT [ARGS]...``: run a Python script with the hook on; exit with the script's status."""

from __future__ import annotations

import os
import subprocess
import sys

import click


@click.command(
    "run",
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
)
@click.option("--warnings", "match_warnings", is_flag=True, help="Also diagnose known PEFT warnings.")
@click.option("--verify", is_flag=True, help="Check the live model (PEFT_WHY_VERIFY=1).")
@click.option("--report", is_flag=True, help="Also write an issue-ready Markdown report on failure.")
@click.argument("script", type=click.Path(exists=True, dir_okay=False))
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def run_command(script: str, args: tuple[str, ...], match_warnings: bool, verify: bool, report: bool) -> None:
    """Run SCRIPT with this interpreter and the peft-why hook on; the exit code is the script's.

    \b
      peft-why run train.py --epochs 3
      peft-why run --warnings train.py
    """
    env = dict(os.environ)
    flags = {"PEFT_WHY_WARNINGS": match_warnings, "PEFT_WHY_VERIFY": verify, "PEFT_WHY_REPORT": report}
    env.update({name: "1" for name, wanted in flags.items() if wanted})
    argv = [sys.executable, "-m", "peft_why.runner", script, *args]
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name == "posix":
        os.execve(sys.executable, argv, env)  # the script becomes this process: its signals, its status
    sys.exit(subprocess.call(argv, env=env))
