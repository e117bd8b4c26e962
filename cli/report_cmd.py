"""``peft-why report [FILE] [--python PATH]``: an issue-ready Markdown report for a paste."""

from __future__ import annotations

import sys

import click

from .errors import PeftWhyError


@click.command("report")
@click.argument("file", required=False, default="-", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--python",
    "python",
    type=click.Path(dir_okay=False),
    help="Read versions, CUDA, GPU from this interpreter.",
)
@click.option("--no-redact", is_flag=True, help="Keep tokens, e-mails, user and host names.")
@click.option("--top", type=click.IntRange(1, 10), default=3, show_default=True, help="At most K matches.")
def report_command(file: str, python: str | None, no_redact: bool, top: int) -> None:
    """Print a Markdown block for a GitHub issue: environment, traceback, matches, what you tried.

    Exit code: 0 a known failure matched, 1 none did (the report is printed either way), 2 errors.
    """
    from peft_why.matcher.diagnose import diagnose_text
    from peft_why.report import build_report, environment_in_text, environment_of

    from .inputs import read_source

    if file == "-" and sys.stdin is not None and sys.stdin.isatty():
        raise PeftWhyError("paste a traceback on stdin (end with Ctrl-D), or name a FILE")
    source = read_source(file)
    if source.text is None:
        raise PeftWhyError(source.error or f"{file}: unreadable")
    if source.notice:
        click.echo(f"peft-why: {source.notice}", err=True)
    if python:
        try:
            environment, origin = environment_of(python), f"interpreter {python}"
        except OSError as exc:
            raise PeftWhyError(str(exc)) from None
    else:
        environment, origin = environment_in_text(source.text), "paste"
    diagnoses = diagnose_text(source.text, top=top)
    click.echo(build_report(source.text, diagnoses, environment, source=origin, redacted=not no_redact))
    sys.exit(0 if diagnoses else 1)
