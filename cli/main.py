"""The ``peft-why`` command: thin over the library; each command parses, calls, renders.

Exit codes: 0 diagnosed · 1 nothing matched · 2 usage error, unreadable input,
internal error, or ``kb lint`` problems.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from typing import TYPE_CHECKING, Any

import click

from peft_why import __version__

from .errors import PeftWhyError
from .options import MatchOptions
from .result import MatchResult, exit_code

if TYPE_CHECKING:
    from peft_why.kb.model import Entry

EPILOG = """\b
Exit codes: 0 a known failure matched; 1 nothing matched (peft-why abstains
rather than guess); 2 usage error, unreadable input, internal error, or
`kb lint` found problems.
\b
Environment: PEFT_WHY_KB_PATH (extra KB dirs), PEFT_WHY_DOCS_URL (docs links),
PEFT_WHY=0 (hook off), PEFT_WHY_VERIFY=1 (live checks in the hook), NO_COLOR."""


# Subcommands in modules of their own, imported when named (or listed by --help): a plain
# `peft-why < paste` does not pay for run's subprocess, the hook's sysconfig or eval's tables.
LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "eval": ("eval_cmd", "eval_command"),
    "hook": ("hook_cmd", "hook_group"),
    "report": ("report_cmd", "report_command"),
    "run": ("run_cmd", "run_command"),
    "setup": ("setup_cmd", "setup_group"),
    "verify": ("verify_cmd", "verify_command"),
}


class DefaultGroup(click.Group):
    """``peft-why [OPTIONS] [FILES]`` is ``peft-why match [OPTIONS] [FILES]``; ``LAZY_COMMANDS`` load on use."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        known = args and (args[0] in self.commands or args[0] in LAZY_COMMANDS)
        if not known and (not args or args[0] not in ("--help", "-h", "--version")):
            args = ["match", *args]
        return super().parse_args(ctx, args)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS and cmd_name not in self.commands:
            module, attribute = LAZY_COMMANDS[cmd_name]
            self.add_command(getattr(importlib.import_module(f"{__package__}.{module}"), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)


def _version_message() -> str:
    from peft_why.matcher.diagnose import get_kb

    try:
        kb, _ = get_kb()
        count = f"{len(kb.active)} entries"
    except Exception as exc:  # the version must print even with a broken install
        count = f"KB unavailable: {exc}"
    return f"peft-why {__version__} (KB: {count}, JSON schema 1)"


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(_version_message())
        _warn_if_mixed_checkout()
        ctx.exit(0)


def _warn_if_mixed_checkout() -> None:
    """One stderr line when the current directory's checkout is not the one whose code runs."""
    from peft_why.checkout import mixed_checkout_warning

    warning = mixed_checkout_warning()
    if warning:
        click.echo(warning, err=True)


@click.group(cls=DefaultGroup, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the version and the KB size, then exit.",
)
def cli() -> None:
    """Why did my PEFT training or adapter loading fail? Paste the traceback.

    \b
      peft-why < traceback.txt
      peft-why --json log1.txt log2.txt
      peft-why explain target-modules-not-found
    """


def _format_option(func: Any) -> Any:
    func = click.option("--json", "as_json", is_flag=True, help="Same as --format json.")(func)
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["text", "json", "markdown"]),
        default="text",
        show_default=True,
        help="Output format; json is one object per input per line (JSON Lines).",
    )(func)


@cli.command("match", epilog=EPILOG)
@click.argument("files", nargs=-1, type=click.Path(dir_okay=True, allow_dash=True))
@_format_option
@click.option("--top", type=click.IntRange(1, 50), default=3, show_default=True, help="At most K matches per input.")
@click.option(
    "--stages", default=None, help="Comma-separated stages to use (regex,frame,lexical,fuzzy,symptom,semantic,version)."
)
@click.option(
    "--kb", "kb_dirs", multiple=True, type=click.Path(file_okay=False), help="Extra KB directory (repeatable)."
)
@click.option("--debug-trace", is_flag=True, help="Include the parsed paste (exception chain, frames) in the output.")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
@click.option("--python", "python", default=None, help="Use the package versions installed in this interpreter.")
@click.option("--installed", is_flag=True, help="Use the package versions installed beside peft-why.")
@click.option(
    "--verify", "run_verify", is_flag=True, help="Run the top matches' checks on --model/--adapter and re-rank."
)
@click.option("--model", "model", metavar="PATH", help="With --verify: the base model folder (or cached hub name).")
@click.option("--adapter", "adapter", metavar="PATH", help="With --verify: the adapter folder.")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", help="With --verify.")
def match_command(**params: Any) -> None:
    """Match pasted tracebacks, error lines or symptom sentences (FILES, or stdin) to known failures.

    With --verify, the checks of the top matches (up to three) then run on your model, loaded
    once (--model/--adapter; in the interpreter given by --python when set): a confirmed fault
    moves first, a not-confirmed one moves last, and each says what it found.
    """
    run_match(MatchOptions(**params))


def run_match(options: MatchOptions) -> None:
    """``match_command``'s body: read each input, match it, render it; exits with the documented code."""
    from .inputs import read_sources
    from .render import render_json, render_markdown, render_text

    fmt = options.output_format
    if not options.files and sys.stdin is not None and sys.stdin.isatty():
        raise PeftWhyError("paste a traceback on stdin (end with Ctrl-D), or name files: peft-why FILE...")
    if options.run_verify and not (options.model or options.adapter):
        raise PeftWhyError("--verify needs --model PATH and/or --adapter PATH")
    stage_list = _stages(options.stages)
    versions = _versions(options.python, options.installed)
    entries = _load_entries(options.kb_dirs)
    results: list[MatchResult] = []
    for source in read_sources(options.files):
        if source.notice:
            click.echo(f"peft-why: {source.notice}", err=True)
        result = _match_one(source.name, source.text, source.error, options, stage_list, versions)
        findings: list[Any] = []
        if options.run_verify and result.diagnoses:
            result, findings = _with_verification(
                result, options.model, options.adapter, options.device, options.python
            )
        results.append(result)
        if fmt == "json":
            render_json(result, sys.stdout)
        elif fmt == "markdown":
            render_markdown(result, entries, sys.stdout, paste=source.text)
        else:
            render_text(result, entries, sys.stdout, show_source=len(options.files) > 1, paste=source.text)
        if findings and fmt != "json":
            from .verify_cmd import render_finding

            for finding in findings:
                render_finding(finding, sys.stdout)
        sys.stdout.flush()
    sys.exit(exit_code(results))


def _with_verification(
    result: MatchResult, model: str | None, adapter: str | None, device: str, python: str | None
) -> tuple[MatchResult, list[Any]]:
    """Verify the candidates within reach of the best on one load of the model, and re-rank.

    Each verified match carries its finding; the row keeps ``verification`` (the first verified
    match's, the best's before) for readers of the older JSON.
    """
    import dataclasses

    from peft_why.matcher.diagnose import get_kb
    from peft_why.matcher.verification import family_lookup, verify_candidates

    kb, _ = get_kb()
    ranked, findings, stderr = verify_candidates(
        result.diagnoses, model=model, adapter=adapter, device=device, python=python, timeout=600,
        family_of=family_lookup(kb.entries),
    )  # fmt: skip
    for line in dict.fromkeys(stderr.splitlines()):
        if line.startswith("peft-why:"):
            click.echo(line, err=True)
    if not findings:
        click.echo(f"peft-why: {result.diagnoses[0].id} has no verification check", err=True)
        return result, []
    row = next(d.verification for d in ranked if d.verification is not None)
    return dataclasses.replace(result, diagnoses=tuple(ranked), verification=row), findings


def _versions(python: str | None, installed: bool) -> dict[str, str] | None:
    """The user's package versions: another interpreter's (--python), ours (--installed), else the paste's."""
    from peft_why.matcher.diagnose import installed_versions, interpreter_versions

    if python and installed:
        raise PeftWhyError("choose one of --python PATH and --installed")
    if python:
        try:
            return interpreter_versions(python)
        except (OSError, ValueError) as exc:
            raise PeftWhyError(f"--python {python}: {exc}") from None
    return installed_versions() if installed else None


def _stages(stages: str | None) -> list[str] | None:
    from peft_why.matcher.diagnose import IMPLEMENTED_STAGES, parse_stages

    if stages is None:
        return None
    try:
        chosen = parse_stages(stages.split(","))
    except ValueError as exc:
        raise PeftWhyError(str(exc)) from None
    missing = [s for s in chosen if s not in IMPLEMENTED_STAGES]
    if missing:
        click.echo(f"peft-why: stage(s) {', '.join(missing)} not available in this release; ignored", err=True)
    return list(chosen)


def _load_entries(kb_dirs: tuple[str, ...]) -> dict[str, Entry]:
    from peft_why.matcher.diagnose import get_kb

    kb, _ = get_kb(kb_dirs)
    if kb.problems:  # kb.loader imports yaml and pydantic: only when there is something to report
        from peft_why.kb.loader import iter_problem_files
    for path, problems in iter_problem_files(kb.problems) if kb.problems else ():
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        click.echo(f"peft-why: warning: skipped {path}: {problems[0]}{more}; run `peft-why kb lint`", err=True)
    return {entry.id: entry for entry in kb.entries}


def _match_one(
    name: str,
    text: str | None,
    error: str | None,
    options: MatchOptions,
    stages: list[str] | None,
    versions: dict[str, str] | None = None,
) -> MatchResult:
    from peft_why.matcher.diagnose import diagnose_paste
    from peft_why.matcher.parse import parse
    from peft_why.redact import redact, redact_tree

    from .result import redacted_diagnosis

    if error is not None or text is None:
        click.echo(f"peft-why: {error}", err=True)
        return MatchResult(name, "error", error=error)
    try:
        pasted = diagnose_paste(text, top=options.top, stages=stages, kb_dirs=options.kb_dirs, versions=versions)
        diagnoses = pasted.diagnoses
        # --debug-trace echoes the paste: parse the redacted text (the normalised copy masks digits, which
        # would hide a token's shape from the redactor), then redact what parsing derived from it
        trace = redact_tree(parse(redact(text)).to_dict()) if options.debug_trace else None
    except Exception as exc:
        if options.debug:
            raise
        message = redact(f"{name}: internal error: {type(exc).__name__}: {exc}")
        click.echo(f"peft-why: {message} (rerun with --debug for details)", err=True)
        return MatchResult(name, "error", error=message)
    found = tuple(redacted_diagnosis(d) for d in diagnoses)
    answers = tuple(f.to_dict() for f in pasted.source_answers)  # catalogue text, not the paste's: no redaction
    return MatchResult(name, "matched" if diagnoses else "no-match", found, trace=trace, source_answers=answers)


@cli.command("explain")
@click.argument("entry_id")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True)
@click.option(
    "--kb", "kb_dirs", multiple=True, type=click.Path(file_okay=False), help="Extra KB directory (repeatable)."
)
def explain_command(entry_id: str, fmt: str, kb_dirs: tuple[str, ...]) -> None:
    """Show a KB entry: symptom, why it happens, the fix, how to verify."""
    import difflib

    from .explain import entry_markdown

    if entry_id.startswith("src:"):
        _explain_source(entry_id, fmt)
        return
    entries = _load_entries(kb_dirs)
    entry = entries.get(entry_id)
    if entry is None:
        close = difflib.get_close_matches(entry_id, list(entries), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else "; `peft-why kb list` shows them all"
        raise PeftWhyError(f"no KB entry {entry_id!r}{hint}")
    if fmt == "json":
        from peft_why.kb.model import entry_to_data

        click.echo(json.dumps(entry_to_data(entry), ensure_ascii=False, indent=2))
    elif fmt == "markdown":
        click.echo(entry_markdown(entry))
    else:
        from .render import make_console, print_markdown

        print_markdown(make_console(sys.stdout), entry_markdown(entry))


def _explain_source(source_id: str, fmt: str) -> None:
    """``explain src:<package>:<hex>``: a catalogue message, from the source, not a curated entry."""
    from peft_why.matcher.catalogue import UnknownSourceId
    from peft_why.matcher.diagnose import installed_versions
    from peft_why.matcher.source import source_document, source_markdown

    try:
        data = source_document(source_id, installed_versions())
    except UnknownSourceId:
        raise PeftWhyError(f"no catalogue message {source_id!r} (ids look like src:peft:0a1b2c3d)") from None
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    elif fmt == "markdown":
        click.echo(source_markdown(data))
    else:
        from .render import make_console, print_markdown

        print_markdown(make_console(sys.stdout), source_markdown(data))


@cli.group("kb")
def kb_group() -> None:
    """Inspect and check the knowledge base."""


@kb_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per entry.")
@click.option(
    "--kb", "kb_dirs", multiple=True, type=click.Path(file_okay=False), help="Extra KB directory (repeatable)."
)
def kb_list_command(as_json: bool, kb_dirs: tuple[str, ...]) -> None:
    """List entries with their area, status and source (built-in or a user KB directory)."""
    from peft_why.matcher.diagnose import get_kb

    _load_entries(kb_dirs)
    kb, _ = get_kb(kb_dirs)
    for entry in kb.entries:
        origin = kb.origin(entry.id)
        if as_json:
            row = {"id": entry.id, "title": entry.title, "area": entry.area, "status": entry.status, "source": origin}
            click.echo(json.dumps(row, ensure_ascii=False))
        else:
            click.echo(f"{entry.id:<44} {entry.area:<14} {entry.status:<8} {origin}")


@kb_group.command("lint")
@click.option(
    "--kb", "kb_dirs", multiple=True, type=click.Path(file_okay=False), help="Extra KB directory (repeatable)."
)
@click.option("--no-js", is_flag=True, help="Skip compiling the patterns with Node (JavaScript RegExp).")
def kb_lint_command(kb_dirs: tuple[str, ...], no_js: bool) -> None:
    """Check every entry strictly: schema, ids, examples, patterns (Python and JavaScript). Exit 2 on problems."""
    from peft_why.kb.lint import lint

    _warn_if_mixed_checkout()
    report = lint(kb_dirs, javascript=not no_js)
    for problem in report.problems:
        click.echo(str(problem))
    for notice in report.notices:
        click.echo(f"peft-why: {notice}", err=True)
    if report.problems:
        click.echo(f"{len(report.problems)} problem(s) in {report.files} file(s)", err=True)
        sys.exit(2)
    click.echo(f"ok: {report.entries} entries, {report.patterns} patterns", err=True)


@kb_group.command("new")
@click.argument("entry_id")
@click.option("--check", "with_check", is_flag=True, help="Also scaffold kb/checks/ID.py and its test fixtures.")
@click.option("--area", default=None, help="The entry's area (loading, saving, training, ...).")
@click.option(
    "--root",
    type=click.Path(file_okay=False, exists=True),
    default=".",
    show_default=True,
    help="The source checkout to write into.",
)
def kb_new_command(entry_id: str, with_check: bool, area: str | None, root: str) -> None:
    """Scaffold a new entry: YAML, reproduction test, (--check) a check and its fixtures; all fail until written.

    On an existing entry without a check, --check scaffolds just the check and its fixtures.
    """
    from pathlib import Path

    from peft_why.kb.scaffold import ScaffoldError, add_check, plan, write

    existing = (Path(root) / "kb" / "entries" / f"{entry_id}.yaml").is_file()
    try:
        if existing and with_check:
            written = add_check(Path(root), entry_id)
        else:
            written = write(Path(root), plan(entry_id, check=with_check, area=area))
    except ScaffoldError as exc:
        raise PeftWhyError(str(exc)) from None
    for path in written:
        click.echo(str(path))
    click.echo("next: fill in every TODO, then `peft-why kb lint` and `make vectors`", err=True)


def main() -> None:
    """Console-script entry point: never let a traceback escape unless --debug."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    # The numpy encoder multiplies small matrices: OpenBLAS threads only contend (10-30x slower on a
    # busy 2-core machine). The CLI owns its process; numpy is not imported yet here.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    debug = "--debug" in sys.argv[1:]
    try:
        cli.main(prog_name="peft-why", standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        click.echo("peft-why: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        if debug:
            raise
        click.echo(f"peft-why: internal error: {type(exc).__name__}: {exc} (rerun with --debug)", err=True)
        sys.exit(2)
