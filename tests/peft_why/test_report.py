"""The issue-ready report: redaction, environment sources, the Markdown layout."""

from __future__ import annotations

import sys

import pytest

from peft_why.matcher.types import Diagnosis
from peft_why.report import PACKAGES, build_report, environment_in_text, environment_of, live_environment, redact

TOKEN = "hf_" + "AbCdEf0123456789" * 2


@pytest.mark.parametrize(
    ("text", "secret", "mask"),
    [
        (f"HfHubHTTPError: 401 for token {TOKEN}", TOKEN, "hf_<redacted>"),
        ("openai.AuthenticationError: key sk-proj-" + "x1" * 15, "x1x1x1", "sk-<redacted>"),
        ("OPENAI_API_KEY=abcdef1234567890", "abcdef1234567890", "OPENAI_API_KEY=<redacted>"),
        ("wandb: api_key: 'f00ba7f00ba7f00ba7'", "f00ba7f00ba7f00ba7", "api_key: '<redacted>"),
        ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload", "eyJhbGci", "Bearer <redacted>"),
        ("github ghp_" + "a" * 36, "a" * 36, "<redacted-github-token>"),
        ("contact jane.doe@example.org for access", "jane.doe@example.org", "<email>"),
        ('File "/home/alice/proj/train.py", line 3', "alice", 'File "~/proj/train.py"'),
        ('File "/Users/bob/train.py", line 3', "bob", 'File "~/train.py"'),
        (r"File C:\Users\carol\train.py", "carol", r"File ~\train.py"),
        ("ConnectionError: gpu-node-17.cluster:29500 refused", "gpu-node-17", "<host>.cluster:29500"),
        ("connect to 10.1.2.3 failed", "10.1.2.3", "<ip>"),
        ("/data/dave/runs/out.bin missing", "dave", "/data/<user>/runs"),
    ],
)
def test_redact_masks_secrets_and_identities(text: str, secret: str, mask: str) -> None:
    out = redact(text, user="dave", hosts=["gpu-node-17"])
    assert secret not in out and mask in out


def test_redact_keeps_what_a_maintainer_needs() -> None:
    text = (
        "peft==0.13.2 transformers 4.46.0 torch version 2.4.0.1\n"
        "ValueError: Target modules {'q_proj'} not found in the base model.\n"
        '  File "/opt/conda/lib/python3.11/site-packages/peft/tuners/tuners_utils.py", line 5\n'
    )
    # a user named like a package keeps the package name; versions are not IP addresses
    assert redact(text, user="peft", hosts=["torch"]) == text


def test_build_report_has_every_section_and_redacts() -> None:
    paste = f'Traceback (most recent call last):\n  File "/home/erin/t.py", line 1\nValueError: {TOKEN}\n'
    diagnoses = [Diagnosis("fp16-unscale-amp", "Trainable parameters are fp16", 0.93, "high")]
    report = build_report(paste, diagnoses, {"python": "3.11.7", "peft": "0.21.2"}, source="paste")
    for section in ("### Environment", "### Traceback", "### peft-why matches", "### What I tried"):
        assert section in report
    assert "| peft | 0.21.2 |" in report and "from the paste" in report
    assert "1. `fp16-unscale-amp`: Trainable parameters are fp16 (high, 0.93)" in report
    assert TOKEN not in report and "erin" not in report and report.startswith("<!-- peft-why:")
    assert TOKEN in build_report(paste, diagnoses, {}, redacted=False)


def test_build_report_without_matches_or_environment_says_so() -> None:
    report = build_report("KeyError: 'x'\n", [], {})
    assert "No known PEFT failure matched" in report and "peft-why report --python PATH" in report


def test_long_pastes_keep_their_end_and_fences_survive_backticks() -> None:
    paste = "\n".join(f"line {i}" for i in range(500)) + "\n```\nValueError: end"
    report = build_report(paste, [], {})
    assert "line 0\n" not in report and "ValueError: end" in report and "earlier lines left out" in report
    assert "````text" in report


def test_environments_from_the_live_process_another_python_and_a_paste() -> None:
    live = live_environment()
    assert live["python"].startswith(f"{sys.version_info.major}.{sys.version_info.minor}")
    assert {"torch", "peft", "transformers", "accelerate", "bitsandbytes", "trl"} <= set(live)
    other = environment_of(sys.executable)
    assert other["peft"] == live["peft"] and "cuda" in other
    assert environment_in_text("peft==0.13.2\nValueError: x\n")["peft"] == "0.13.2"
    with pytest.raises(OSError):
        environment_of("/nonexistent/python")


def test_match_and_report_read_the_same_packages_of_an_interpreter() -> None:
    from peft_why.matcher.diagnose import installed_versions, interpreter_versions

    reported = {name: v for name, v in live_environment().items() if name in PACKAGES and v != "not installed"}
    assert interpreter_versions(sys.executable) == reported  # one list: the matcher used to skip torch
    assert installed_versions() == reported
