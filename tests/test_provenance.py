"""Committed generated files carry provenance headers that still match their inputs (cheap: hashes only).

Regeneration needs a model, downloads or timings, so CI never regenerates: it recomputes
the input hashes (scripts/provenance.py) and fails with the make target to run.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _provenance() -> ModuleType:
    spec = importlib.util.spec_from_file_location("provenance", ROOT / "scripts" / "provenance.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("provenance", module)
    spec.loader.exec_module(module)
    return module


provenance = _provenance()


@pytest.mark.parametrize("artefact", sorted(provenance.ARTEFACTS))
def test_generated_file_header_matches_its_inputs(artefact: str) -> None:
    assert provenance.staleness(artefact) is None, provenance.staleness(artefact)


def test_fuse_constant_is_what_the_test_reads() -> None:
    from peft_why.matcher.fuse import CALIBRATION_PROVENANCE

    assert provenance.recorded("matcher/fuse.py calibration") == CALIBRATION_PROVENANCE


def test_a_changed_kb_text_stales_the_vectors_and_says_run_make_vectors(tmp_path: Path) -> None:
    (tmp_path / "kb" / "data").mkdir(parents=True)
    shutil.copytree(ROOT / "scripts", tmp_path / "scripts")
    manifest = json.loads((ROOT / provenance.VECTORS_MANIFEST).read_text(encoding="utf-8"))
    manifest["provenance"]["inputs"]["semantic texts of kb/entries"] = "0" * 64  # as if built from other texts
    (tmp_path / provenance.VECTORS_MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    message = provenance.staleness("kb/data/semantic-vectors", tmp_path)
    assert message is not None and "run `make vectors`" in message and "semantic texts of kb/entries" in message


def test_edited_devset_case_or_bench_script_stales_its_header(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    for rel in ("bench", "matcher", "docs", "scripts"):
        shutil.copytree(ROOT / rel, repo / rel)
    shutil.copytree(ROOT.parent / "shared" / "devset", tmp_path / "shared" / "devset")  # read at test time only
    assert provenance.staleness("matcher/fuse.py calibration", repo) is None
    case = next((tmp_path / "shared" / "devset" / "cases").glob("*.txt"))
    case.write_text(case.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert "run `make calibrate`" in (provenance.staleness("matcher/fuse.py calibration", repo) or "")
    assert provenance.staleness("docs/performance.md table", repo) is None
    with (repo / "bench" / "run_all.py").open("a", encoding="utf-8") as script:
        script.write("# a change\n")
    assert "run `make bench-all`" in (provenance.staleness("docs/performance.md table", repo) or "")


def test_missing_header_names_the_make_target(tmp_path: Path) -> None:
    (tmp_path / "kb" / "data").mkdir(parents=True)
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "build_version_table.py", tmp_path / "scripts")
    (tmp_path / provenance.VERSIONS_TABLE).write_text('{"peft": {"items": {}}}', encoding="utf-8")
    assert provenance.staleness("kb/data/versions.json", tmp_path) == (
        "kb/data/versions.json: no provenance header; run `make versions`"
    )
