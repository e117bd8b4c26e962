"""Hostile and odd input: a sane result or a clear one-line error, never a traceback from peft-why.

These tests only guard against hangs (generous timeouts); the time and memory
bounds themselves are measured in bench/.
"""

from __future__ import annotations

import codecs
import json

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peft_why import diagnose_exception, diagnose_text
from peft_why.cli.main import cli
from peft_why.kb.loader import load_kb
from peft_why.matcher.parse import parse

FP16 = "ValueError: Attempting to unscale FP16 gradients."
TRACEBACK = f"""Traceback (most recent call last):
  File "train.py", line 3, in <module>
    scaler.step(opt)
{FP16}
"""


def _json_run(data: bytes | str) -> tuple[int, dict[str, object], str]:
    result = CliRunner().invoke(cli, ["--json"], input=data)
    assert "Traceback (most recent call last)" not in result.stderr, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, result.stdout
    return result.exit_code, json.loads(lines[0]), result.stderr


@pytest.mark.parametrize(
    ("name", "data", "status"),
    [
        ("empty", b"", "no-match"),
        ("whitespace", b" \n\t\n   \n", "no-match"),
        ("nul-bytes", b"\x00" * 64 + FP16.encode(), "error"),
        ("invalid-utf8", b"\xc3\x28\xa0\xa1 " + FP16.encode(), "matched"),
        ("utf16-bom", codecs.BOM_UTF16_LE + TRACEBACK.encode("utf-16-le"), "matched"),
        ("utf8-bom", codecs.BOM_UTF8 + TRACEBACK.encode(), "matched"),
        ("crlf", TRACEBACK.replace("\n", "\r\n").encode(), "matched"),
        ("lone-cr", TRACEBACK.replace("\n", "\r").encode(), "matched"),
    ],
)
def test_odd_encodings_give_a_status_not_a_traceback(name: str, data: bytes, status: str) -> None:
    code, row, _ = _json_run(data)
    assert row["status"] == status, name
    assert code == {"matched": 0, "no-match": 1, "error": 2}[status]


@pytest.mark.timeout(120)
def test_fifty_megabyte_paste_is_windowed() -> None:
    data = ("INFO step 12 loss 0.531 lr 2e-4\n" * 1_700_000 + TRACEBACK).encode()
    assert len(data) > 50_000_000
    code, row, err = _json_run(data)
    assert code == 0 and row["status"] == "matched" and "skipped" in err


@pytest.mark.timeout(120)
def test_utf16_paste_longer_than_the_window() -> None:
    """Windowing must not cut the BOM off (the tail alone would decode as UTF-8 garbage)."""
    data = codecs.BOM_UTF16_LE + ("INFO step\n" * 200_000 + TRACEBACK).encode("utf-16-le")
    code, row, err = _json_run(data)
    assert code == 0 and row["status"] == "matched" and "characters" in err


@pytest.mark.timeout(120)
def test_single_five_megabyte_line() -> None:
    _code, row, _ = _json_run(("x" * 5_000_000 + "\n" + FP16).encode())
    assert row["status"] in ("matched", "no-match")


@pytest.mark.timeout(120)
def test_hundred_thousand_frames() -> None:
    frames = '  File "/x/site-packages/torch/nn/modules/module.py", line 1, in _call_impl\n    return f()\n' * 100_000
    result = parse("Traceback (most recent call last):\n" + frames + FP16 + "\n")
    assert result.final is not None and result.final.type == "ValueError"


@pytest.mark.timeout(120)
def test_five_hundred_chained_exceptions() -> None:
    block = "Traceback (most recent call last):\n  File \"a.py\", line 1, in f\n    g()\nKeyError: 'k'\n"
    link = "\nDuring handling of the above exception, another exception occurred:\n\n"
    text = link.join([block] * 500) + link + TRACEBACK
    diagnoses = diagnose_text(text)
    assert diagnoses and diagnoses[0].id == "fp16-unscale-amp"


def test_live_exception_chain_500_deep() -> None:
    def nest(depth: int) -> None:
        if depth == 0:
            raise ValueError("Attempting to unscale FP16 gradients.")
        try:
            nest(depth - 1)
        except Exception as exc:
            raise RuntimeError(f"level {depth}") from exc

    with pytest.raises(RuntimeError) as caught:
        nest(500)
    diagnose_exception(caught.value)  # must return, whatever it finds


class _BadStr(Exception):
    def __str__(self) -> str:
        raise RuntimeError("__str__ exploded")


class _HugeStr(Exception):
    def __str__(self) -> str:
        return "Attempting to unscale FP16 gradients. " + "y" * 1_000_000


@pytest.mark.timeout(60)
@pytest.mark.parametrize("exc_type", [_BadStr, _HugeStr])
def test_exceptions_with_hostile_str(exc_type: type[Exception]) -> None:
    try:
        raise exc_type()
    except Exception as exc:
        diagnose_exception(exc)


def _adversarial_inputs(pattern: str) -> list[str]:
    """Strings built to make a backtracking engine work hard on this pattern: long runs of its own pieces."""
    pieces = {c for c in pattern if c.isalnum() or c in " _'{}[],.:"} or {"a"}
    return ["".join(sorted(pieces)) * 2000, " " * 20000 + "!", "a" * 30000, ("{'" + "x', '" * 5000) + "!"]


@pytest.mark.timeout(180)
def test_no_kb_pattern_backtracks_catastrophically() -> None:
    for entry in load_kb(include_env=False).active:
        for symptom in entry.symptoms:
            for text in _adversarial_inputs(symptom.regex):
                diagnose_text(text, stages=["regex"])


def test_terminal_escapes_are_not_echoed_raw(tmp_path: object) -> None:
    hostile = "\x1b]0;pwned title\x07\x1b[2J\x1b[31m" + TRACEBACK + "\x1b[1000D\x9b6n"
    result = CliRunner().invoke(cli, [], input=hostile)
    assert "\x1b]0;" not in result.stdout and "\x1b[2J" not in result.stdout and "\x9b" not in result.stdout
    result = CliRunner().invoke(cli, ["--json", "--debug-trace"], input=hostile)
    assert "\x1b" not in result.stdout and "\x9b" not in result.stdout


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=3000))
def test_diagnose_text_never_raises(text: str) -> None:
    for diagnosis in diagnose_text(text):
        assert 0.0 <= diagnosis.score <= 1.0


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_cli_never_tracebacks_on_bytes(data: bytes) -> None:
    code, row, _ = _json_run(data)
    assert row["status"] in ("matched", "no-match", "error") and code in (0, 1, 2)
