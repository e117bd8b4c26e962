"""``peft-why verify ID --model PATH [--adapter PATH]``: run an entry's check against the user's model.

Exit codes: 0 confirmed (the fault IS present) · 1 not confirmed · 3 not applicable · 4 the check
itself failed (including loading and timeouts) · 2 usage error.
"""

from __future__ import annotations

import json
import sys
from typing import IO, Any

import click

from .errors import PeftWhyError

EXIT_CODES = {"confirmed": 0, "not-confirmed": 1, "not-applicable": 3, "error": 4}
STYLES = {
    "confirmed": "bold red",
    "not-confirmed": "green",
    "not-applicable": "yellow",
    "error": "bold magenta",
}
EPILOG = """\b
Exit codes: 0 confirmed (the fault is present); 1 not confirmed; 3 not
applicable (no check for this entry, or it cannot tell here); 4 the check
failed (loading, crash, timeout); 2 usage error.
\b
The model is loaded in a separate process (the interpreter given by --python,
else this one), offline, without remote code unless --trust-remote-code."""


@click.command("verify", epilog=EPILOG)
@click.argument("entry_id")
@click.option(
    "--model",
    "model",
    metavar="PATH_OR_NAME",
    help="Base model folder (or cached hub name), or an adapter folder.",
)
@click.option("--adapter", "adapter", metavar="PATH", help="Adapter folder; alone, runs the file-level checks.")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True)
@click.option(
    "--dtype",
    type=click.Choice(["auto", "float32", "float16", "bfloat16"]),
    default="auto",
    show_default=True,
)
@click.option("--python", "python", metavar="PATH", help="Run in this interpreter (yours: its torch/peft/GPU).")
@click.option("--trust-remote-code", is_flag=True, help="Allow the model's own code to run while loading.")
@click.option("--timeout", type=click.FloatRange(1, 86400), default=600, show_default=True, help="Seconds.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of text.")
def verify_command(
    entry_id: str, model: str | None, adapter: str | None, device: str, dtype: str, python: str | None,
    trust_remote_code: bool, timeout: float, as_json: bool,
) -> None:  # fmt: skip
    """Check whether a KB entry's fault is present in YOUR model or saved adapter."""
    import os

    from peft_why.kb.checks import has_check
    from peft_why.kb.checks._core import Finding
    from peft_why.kb.checks._isolated import verify_in_subprocess

    if not model and not adapter:
        raise PeftWhyError("give --model PATH (and --adapter PATH), or --adapter PATH for the file checks")
    if model and model.startswith((os.sep, ".", "~")) and not os.path.exists(os.path.expanduser(model)):
        raise PeftWhyError(f"--model {model}: no such folder")
    if adapter and not os.path.isfile(os.path.join(adapter, "adapter_config.json")):
        raise PeftWhyError(f"--adapter {adapter}: no adapter_config.json there")
    if python and not os.access(python, os.X_OK):
        raise PeftWhyError(f"--python {python}: not an executable")
    check = entry_check(entry_id)
    if not has_check(check):
        if not _known_entry(entry_id):
            raise PeftWhyError(f"no KB entry {entry_id!r}; `peft-why kb list` shows them all")
        derived = entry_id.strip().replace("-", "_")
        result = Finding(entry_id, "not-applicable", f"the entry {entry_id} has no check", check=check or derived)
        stderr = ""
    else:
        result, stderr = verify_in_subprocess(
            entry_id, model=model, adapter=adapter, device=device, dtype=dtype,
            trust_remote_code=trust_remote_code, python=python, timeout=timeout, check=check,
        )  # fmt: skip
    for line in stderr.splitlines():
        if line.startswith("peft-why:"):
            click.echo(line, err=True)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        render_finding(result, sys.stdout)
    sys.exit(EXIT_CODES.get(result.status, 4))


def verify_top_match(
    entry_id: str, *, model: str | None, adapter: str | None, device: str, python: str | None, timeout: float
) -> Any:
    """``match --verify``: run the best match's check on the user's model; None when the entry has no check."""
    from peft_why.kb.checks import has_check
    from peft_why.kb.checks._isolated import verify_in_subprocess

    check = entry_check(entry_id)
    if not has_check(check):
        return None
    result, stderr = verify_in_subprocess(
        entry_id, model=model, adapter=adapter, device=device, python=python, timeout=timeout, check=check
    )
    for line in stderr.splitlines():
        if line.startswith("peft-why:"):
            click.echo(line, err=True)
    return result


def entry_check(entry_id: str) -> str:
    """The check an entry names in ``verify:`` ("" for none); an unknown id maps to its derived check name."""
    from peft_why.matcher.diagnose import entry_check as resolve

    return resolve(entry_id) or ""


def _known_entry(entry_id: str) -> bool:
    from peft_why.matcher.diagnose import get_kb

    kb, _ = get_kb()
    return any(entry.id == entry_id for entry in kb.entries)


def render_finding(result: Any, out: IO[str]) -> None:
    """The finding for a terminal: verdict, one-line finding, evidence, fix."""
    from rich.console import Console
    from rich.text import Text

    console = Console(file=out, highlight=False, soft_wrap=True)
    console.print(Text(f"{result.status.upper()}  {result.entry_id}", style=STYLES.get(result.status, "bold")))
    console.print(Text(result.message))
    for line in result.evidence:
        console.print(Text(f"  - {line}", style="dim"))
    if result.note:
        console.print(Text(f"Note: {result.note}"))
    if result.fix and result.status in ("confirmed", "not-confirmed"):
        console.print(Text(f"Fix: {result.fix}", style="bold" if result.status == "confirmed" else ""))
