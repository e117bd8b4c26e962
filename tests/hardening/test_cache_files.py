"""peft-why writes only its own cache files, atomically; a corrupt cache is rebuilt, never fatal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

SCRIPT = str(Path(sys.executable).with_name("peft-why"))
PASTE = "ValueError: Attempting to unscale FP16 gradients.\n"


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEFT_WHY")}
    env.update(HOME=str(tmp_path / "home"), XDG_CACHE_HOME=str(tmp_path / "cache"), HF_HUB_OFFLINE="1")
    return env


def _match(tmp_path: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SCRIPT, "--json"], input=PASTE, capture_output=True, text=True, env=_env(tmp_path), cwd=cwd, timeout=300
    )


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    if not Path(SCRIPT).exists():
        pytest.skip("console script not installed next to this interpreter")
    (tmp_path / "home").mkdir()
    work = tmp_path / "work"
    work.mkdir()
    return work


def test_only_the_cache_dir_is_written(tmp_path: Path, workdir: Path) -> None:
    done = _match(tmp_path, workdir)
    assert done.returncode == 0, done.stderr
    written = _files(tmp_path)
    assert written, "the compiled KB cache should have been written"
    assert all(path.is_relative_to(tmp_path / "cache" / "peft-why") for path in written), written
    assert not any(path.suffix == ".tmp" for path in written)


def test_corrupt_cache_is_rebuilt(tmp_path: Path, workdir: Path) -> None:
    assert _match(tmp_path, workdir).returncode == 0
    for path in _files(tmp_path / "cache"):
        path.write_bytes(b"\x00not json{")
    done = _match(tmp_path, workdir)
    assert done.returncode == 0 and json.loads(done.stdout)["matches"][0]["id"] == "fp16-unscale-amp"
    assert "Traceback" not in done.stderr


def test_two_concurrent_processes_share_the_cache(tmp_path: Path, workdir: Path) -> None:
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _: _match(tmp_path, workdir), range(2)))
    assert [r.returncode for r in results] == [0, 0], [r.stderr for r in results]
    assert _match(tmp_path, workdir).returncode == 0
    assert not any(path.suffix == ".tmp" for path in _files(tmp_path))
