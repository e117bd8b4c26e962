"""Paths as users have them: the reproductions' rewrite, the lint rule, the in-place script."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from peft_why.kb.lint import lint
from peft_why.kb.loader import builtin_entries_dir, load_entry_file
from peft_why.kb.user_paths import machine_paths, user_paths
from scripts.user_paths import rewrite

ENTRY = "target-modules-not-found"


@pytest.mark.parametrize(
    ("captured", "shown"),
    [
        (
            'File "/work/wt-kb2/.venv/lib/python3.11/site-packages/peft/peft_model.py", line 1',
            'File "…/site-packages/peft/peft_model.py", line 1',
        ),
        (
            'File "/work/main/tests/kb/repro/test_x.py", line 3',
            'File "/home/user/project/tests/kb/repro/test_x.py", line 3',
        ),
        ("at '/tmp/pytest-of-root/pytest-3/test_missing0/run'", "at '/home/user/project/run'"),
        (
            "Can't find 'adapter_config.json' at '/tmp/tmp5obqz2zn/no-such'",
            "Can't find 'adapter_config.json' at '/home/user/project/no-such'",
        ),
        ('File "/tmp/repro_fp16.py", line 16', 'File "/home/user/project/repro_fp16.py", line 16'),
        ('File "/tmp/research/src/peft/0.17.1/peft/auto.py", line 32', 'File "…/site-packages/peft/auto.py", line 32'),
        ("/root/.cache/huggingface/hub", "/home/user/.cache/huggingface/hub"),
        ("/usr/lib/python3.11/site-packages/x.py:3: UserWarning", "…/site-packages/x.py:3: UserWarning"),
    ],
)
def test_captured_paths_become_a_users(captured: str, shown: str) -> None:
    assert user_paths(captured) == shown
    assert list(machine_paths(shown)) == []


@pytest.mark.parametrize(
    "text",
    [
        'File "/usr/lib/python3.11/threading.py", line 1012, in run',
        "ValueError: Target modules {'q_proj'} not found in the base model",
        "saved to ./out/tmp/checkpoint-2 and /home/alice/runs/x",
        "peft/tuners/lora/model.py:704",
    ],
)
def test_paths_a_user_could_have_are_kept(text: str) -> None:
    assert user_paths(text) == text


def test_a_checkout_outside_work_is_rewritten_when_named() -> None:
    assert user_paths('File "/srv/ci/peft-why/tests/t.py"', roots=["/srv/ci/peft-why/"]) == (
        'File "/home/user/project/tests/t.py"'
    )


def _dirty_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "kb" / f"{ENTRY}.yaml"
    copy.parent.mkdir()
    shutil.copy(builtin_entries_dir() / f"{ENTRY}.yaml", copy)
    rewrite(copy)
    lines = copy.read_text(encoding="utf-8").split("\n")
    at = next(i for i, line in enumerate(lines) if line.strip().startswith('File "…/site-packages/'))
    lines[at] = lines[at].replace("…/site-packages/", "/work/wt-kb1/.venv/lib/python3.11/site-packages/")
    copy.write_text("\n".join(lines), encoding="utf-8")
    return copy


def test_lint_names_each_machine_path_in_an_example_with_its_line_and_column(tmp_path: Path) -> None:
    copy = _dirty_copy(tmp_path)
    lines = copy.read_text(encoding="utf-8").split("\n")
    line = next(i for i, text in enumerate(lines) if "/work/" in text) + 1
    col = lines[line - 1].index("/work/") + 1
    examples = yaml.safe_load(copy.read_text(encoding="utf-8"))["examples"]["match"]
    number = next(n for n, text in enumerate(examples) if "/work/" in text)
    found = [str(p) for p in lint([copy.parent], javascript=False).problems if p.path == str(copy)]
    assert found == [
        f"{copy}:{line}:{col}: {ENTRY}: examples.match[{number}]: machine-specific path '/work/': "
        "rewrite it as a user's (python scripts/user_paths.py)"
    ]


def test_script_rewrites_examples_only_and_the_entry_still_loads(tmp_path: Path) -> None:
    copy = _dirty_copy(tmp_path)
    before = copy.read_text(encoding="utf-8")
    assert rewrite(copy) and not rewrite(copy)
    after = copy.read_text(encoding="utf-8")
    assert after.partition("\nexamples:")[0] == before.partition("\nexamples:")[0]  # only the examples change
    assert "/work/" in before and "/work/" not in after
    assert [p for p in lint([copy.parent], javascript=False).problems if p.path == str(copy)] == []
    loaded, problems = load_entry_file(copy)
    assert problems == [] and loaded is not None


def test_builtin_examples_name_no_machine_paths() -> None:
    found = [str(p) for p in lint(javascript=False).problems if "machine-specific path" in p.message]
    assert found == [], f"{len(found)} machine paths, first: {found[:1]} (run python scripts/user_paths.py)"
