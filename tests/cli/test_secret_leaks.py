"""No secret from a paste reaches any output: paste-page link, issue report, JSON, Markdown, text.

Every output format runs on the whole secrets corpus (tests/secret_corpus.py), once on
a paste nothing matches (the CLI then prints a paste-page link) and once on a paste
that matches (evidence and ``--debug-trace`` echo the paste's lines).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import pytest
from click.testing import CliRunner

from peft_why.cli.main import cli

from ..secret_corpus import CORPUS, paste_with_every_secret

DOCS_URL = "https://docs.example/peft-why/"
MATCHING_LINE = "ValueError: Attempting to unscale FP16 gradients."


def _leaks(output: str) -> list[str]:
    """The corpus cases whose secret shows in ``output``, percent-decoded (links) or not."""
    decoded = unquote(output)
    return [f"{case.name}: {case.secret!r}" for case in CORPUS if case.secret in output or case.secret in decoded]


def _pastes() -> dict[str, str]:
    unmatched = paste_with_every_secret()
    return {"no-match": unmatched, "match": unmatched + MATCHING_LINE + "\n"}


@pytest.mark.parametrize("paste_kind", ["no-match", "match"])
@pytest.mark.parametrize(
    "args",
    [
        ["match", "--format", "text"],
        ["match", "--format", "markdown"],
        ["match", "--json", "--debug-trace"],
        ["report"],
    ],
    ids=["text", "markdown", "json", "report"],
)
def test_no_secret_in_any_output(
    args: list[str], paste_kind: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PEFT_WHY_DOCS_URL", DOCS_URL)
    paste = tmp_path / "paste.txt"
    paste.write_text(_pastes()[paste_kind], encoding="utf-8")
    result = CliRunner().invoke(cli, [*args, str(paste)])
    assert result.exit_code == (1 if paste_kind == "no-match" else 0), result.output
    if paste_kind == "no-match" and args[0] == "match" and "--json" not in args:
        assert f"{DOCS_URL}paste/#q=" in result.output  # the link this test is about is really printed
    leaks = _leaks(result.output)
    assert not leaks, f"{len(leaks)} secret(s) leaked:\n" + "\n".join(leaks)
