"""Nothing peft-why does may reach the network: sockets are blocked and any attempt fails the test."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner

from peft_why import diagnose_text
from peft_why.cli.main import cli

TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "t.py", line 1, in <module>\n'
    "ValueError: Attempting to unscale FP16 gradients.\n"
)


class NetworkAttempt(AssertionError):
    pass


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    attempts: list[Any] = []

    def refuse(self: socket.socket, address: Any, *args: Any) -> None:
        if self.family == getattr(socket, "AF_UNIX", None):
            return real_connect(self, address, *args)
        attempts.append(address)
        raise NetworkAttempt(f"peft-why tried to connect to {address!r}")

    real_connect = socket.socket.connect
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)

    def resolve(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise NetworkAttempt(f"peft-why tried to resolve {args!r}")

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    yield attempts
    assert attempts == []


def test_cli_match_makes_no_connection(no_network: list[Any]) -> None:
    for args in (["--json"], [], ["--format", "markdown"]):
        result = CliRunner().invoke(cli, args, input=TRACEBACK)
        assert result.exit_code == 0, result.stderr


def test_library_makes_no_connection(no_network: list[Any]) -> None:
    assert diagnose_text(TRACEBACK)[0].id == "fp16-unscale-amp"
    assert diagnose_text("after loading my adapter the model behaves like the base model") is not None


def test_explain_and_kb_commands_make_no_connection(no_network: list[Any]) -> None:
    for args in (["explain", "fp16-unscale-amp"], ["kb", "list"], ["kb", "lint", "--no-js"]):
        assert CliRunner().invoke(cli, args).exit_code == 0
