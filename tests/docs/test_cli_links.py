"""The CLI's links into the docs site: entry pages, and the paste page when nothing matches."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from click.testing import CliRunner

from peft_why.cli.main import cli
from peft_why.cli.render import MAX_PASTE_CHARS, paste_link, redact_paste

SECRET_PASTE = (
    'File "/home/alice/train.py", line 3\n'
    "ZeroDivisionError: token hf_AbCdEfGhIjKlMnOpQrStUv of alice@example.com in C:\\Users\\alice\\x"
)


def test_no_match_prints_a_paste_page_link_with_the_redacted_paste(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEFT_WHY_DOCS_URL", "https://docs.example/peft-why/")
    result = CliRunner().invoke(cli, ["match"], input=SECRET_PASTE)
    assert result.exit_code == 1
    link = next(line for line in result.output.splitlines() if "#q=" in line).split(": ", 1)[1]
    base, fragment = link.split("#q=", 1)
    assert base == "https://docs.example/peft-why/paste/"
    pasted = unquote(fragment)
    assert "ZeroDivisionError" in pasted
    for secret in ("hf_AbCd", "alice"):
        assert secret not in pasted


def test_no_link_without_docs_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PEFT_WHY_DOCS_URL", raising=False)
    assert paste_link(SECRET_PASTE) is None
    assert "#q=" not in CliRunner().invoke(cli, ["match"], input=SECRET_PASTE).output


def test_long_paste_keeps_its_end_within_the_cap() -> None:
    text = "".join(f"  frame line {n}\n" for n in range(2000)) + "ValueError: the end"
    kept = redact_paste(text)
    assert len(kept) <= MAX_PASTE_CHARS and kept.endswith("ValueError: the end")
    assert kept.startswith("  frame line")
