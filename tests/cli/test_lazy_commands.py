"""Subcommands load when named: every lazy name resolves, and a plain match imports none of them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from peft_why.cli.main import LAZY_COMMANDS, cli


@pytest.mark.parametrize("name", sorted(LAZY_COMMANDS))
def test_each_lazy_name_resolves_to_the_command_of_that_name(name: str) -> None:
    with click.Context(cli) as ctx:
        command = cli.get_command(ctx, name)
        assert command is not None and command.name == name
        assert name in cli.list_commands(ctx)


def test_a_plain_match_imports_no_subcommand_module(tmp_path: Path) -> None:
    paste = tmp_path / "p.txt"
    paste.write_text("ValueError: Attempting to unscale FP16 gradients.\n", encoding="utf-8")
    modules = [f"peft_why.cli.{module}" for module, _attribute in LAZY_COMMANDS.values()]
    probe = (
        "import sys\n"
        f"sys.argv = ['peft-why', '--json', {str(paste)!r}]\n"
        "from peft_why.cli.entry import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in {modules!r} if m in sys.modules))\n"
    )
    env = {**os.environ, "PEFT_WHY_CACHE": str(tmp_path / "cache")}
    out = subprocess.run([sys.executable, "-c", probe], env=env, check=True, capture_output=True, text=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
