"""Provenance headers of the committed generated files: which generator (and its version) made them from what.

Every committed artefact carries a header ``{"generator", "generator_version", "inputs", "regenerate"}``:

=====================================  ==========================================  ====================
artefact                               header lives in                             regenerate with
=====================================  ==========================================  ====================
``kb/data/semantic-vectors.{npy,json}``  the manifest's ``provenance`` key           ``make vectors``
``kb/data/versions.json``               its ``_provenance`` key                     ``make versions``
fuse's Platt A/B and abstention line    ``matcher/fuse.py`` CALIBRATION_PROVENANCE  ``make calibrate``
the ``docs/performance.md`` table       the ``<!-- provenance: ... -->`` line       ``make bench-all``
=====================================  ==========================================  ====================

``inputs`` maps each input to a sha256 that :func:`expected` recomputes from this checkout
cheaply (no model, no download, no timing), so ``tests/test_provenance.py`` can fail in CI
when a header is stale and name the make target. The inputs are what the generator reads
from the repository and what it cannot run without:

* vectors: the exact texts embedded (``entry_semantic_texts`` of the shipped KB) and the
  encoder's checksum. Any KB edit that changes an embedded text makes them stale.
* versions: the generator's specification (packages, releases, classes, names, messages).
  The released wheels it reads are named by the ``versions_read`` lists in the table.
* calibration: the labelled real pastes (``../shared/devset``) and the fitter
  (``bench/fit_devset.py``, cross-validated). The raw scores also depend on the KB and matcher;
  their drift is what ``make eval`` measures, so a KB edit alone does not stale the constants.
* performance: the benchmark scripts. Timings depend on the machine, which the page names.

A generator's version is its ``GENERATOR_VERSION`` constant, read from its source without
importing it: bump it when the output's meaning changes, not for a comment.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VECTORS_MANIFEST = Path("kb/data/semantic-vectors.json")
VERSIONS_TABLE = Path("kb/data/versions.json")
FUSE = Path("matcher/fuse.py")
PERFORMANCE = Path("docs/performance.md")
BENCH_SCRIPTS = ("bench/run_all.py", "bench/bench_matcher.py", "bench/import_cost.py")
PERFORMANCE_HEADER = re.compile(r"^<!-- provenance: (\{.*\}) -->$", re.MULTILINE)


def sha256_text(text: str) -> str:
    """sha256 of a text's UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sha256_json(value: Any) -> str:
    """sha256 of a value's canonical JSON (sorted keys, no spaces): the same data, the same hash."""
    return sha256_text(json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False))


def sha256_files(paths: Iterable[Path], root: Path) -> str:
    """sha256 over (path relative to ``root``, contents) of each file, in path order."""
    digest = hashlib.sha256()
    for path in sorted(paths, key=lambda p: p.relative_to(root).as_posix()):
        digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def generator_version(script: Path) -> int:
    """The ``GENERATOR_VERSION = N`` assignment in a generator's source (not imported: it may need torch)."""
    for node in ast.parse(script.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "GENERATOR_VERSION" for t in node.targets
        ):
            value = ast.literal_eval(node.value)
            if isinstance(value, int):
                return value
    raise ValueError(f"{script}: no GENERATOR_VERSION = <int>")


def header(root: Path, generator: str, inputs: dict[str, str], regenerate: str) -> dict[str, Any]:
    """A provenance header for an artefact made by ``generator`` (a path relative to ``root``)."""
    return {
        "generator": generator,
        "generator_version": generator_version(root / generator),
        "inputs": inputs,
        "regenerate": regenerate,
    }


def vectors_inputs(root: Path = ROOT) -> dict[str, str]:
    """The embedded texts of the shipped KB, and the encoder's checksum."""
    from peft_why.kb.loader import load_kb
    from peft_why.matcher import semantic
    from peft_why.matcher.index import build_index

    kb = load_kb(include_env=False)  # the built-in KB is this checkout's (tests/conftest.py checks it)
    texts = sorted({text for _entry, text in semantic.entry_semantic_texts(build_index(kb.active))})
    return {"semantic texts of kb/entries": sha256_json(texts), "model": semantic.MODEL_SHA256}


def versions_inputs(root: Path = ROOT) -> dict[str, str]:
    """The version-table generator's specification (the script imports only the standard library)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_version_table", root / "scripts" / "build_version_table.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    names = ("FOLDERS", "RELEASES", "CONFIG_CLASSES", "CURATED_NAMES")
    return {
        "scripts/build_version_table.py specification": sha256_json({n: getattr(module, n) for n in names}),
        "messages declared by kb/entries": sha256_json(module.kb_messages(root / "kb" / "entries")),
    }


def calibration_inputs(root: Path = ROOT) -> dict[str, str]:
    """The labelled real pastes the fusion constants were fitted on (``../shared/devset``) and the fitter
    (the script and the library procedure it runs).

    The weights, Platt A/B and abstention line are the fit's *outputs*, so they are not inputs here;
    the KB and matcher also move the raw scores, and that drift is what ``peft-why eval`` shows.
    """
    devset = root.parent / "shared" / "devset"
    cases = [p for p in devset.rglob("*") if p.is_file()] if devset.is_dir() else []
    return {
        "../shared/devset": sha256_files(cases, devset) if cases else "missing",
        "bench/fit_devset.py": sha256_files([root / "bench" / "fit_devset.py"], root),
        "matcher/crossval.py": sha256_files([root / "matcher" / "crossval.py"], root),
    }


def performance_inputs(root: Path = ROOT) -> dict[str, str]:
    """The benchmark scripts that print the table."""
    return {"bench scripts": sha256_files([root / p for p in BENCH_SCRIPTS], root)}


# artefact -> (generator, inputs, make target)
ARTEFACTS: dict[str, tuple[str, Callable[[Path], dict[str, str]], str]] = {
    "kb/data/semantic-vectors": ("scripts/build_vectors.py", vectors_inputs, "make vectors"),
    "kb/data/versions.json": ("scripts/build_version_table.py", versions_inputs, "make versions"),
    "matcher/fuse.py calibration": ("bench/fit_devset.py", calibration_inputs, "make calibrate"),
    "docs/performance.md table": ("bench/run_all.py", performance_inputs, "make bench-all"),
}


def expected(artefact: str, root: Path = ROOT) -> dict[str, Any]:
    """The header the artefact should carry, recomputed from this checkout."""
    generator, inputs, target = ARTEFACTS[artefact]
    return header(root, generator, inputs(root), target)


def recorded(artefact: str, root: Path = ROOT) -> dict[str, Any] | None:
    """The header the committed artefact carries, or None when it has none."""
    if artefact == "kb/data/semantic-vectors":
        found = json.loads((root / VECTORS_MANIFEST).read_text(encoding="utf-8")).get("provenance")
    elif artefact == "kb/data/versions.json":
        found = json.loads((root / VERSIONS_TABLE).read_text(encoding="utf-8")).get("_provenance")
    elif artefact == "matcher/fuse.py calibration":
        found = _assigned(root / FUSE, "CALIBRATION_PROVENANCE")
    else:
        match = PERFORMANCE_HEADER.search((root / PERFORMANCE).read_text(encoding="utf-8"))
        found = json.loads(match.group(1)) if match else None
    return found if isinstance(found, dict) else None


def _assigned(path: Path, name: str) -> Any:
    """The literal value of a module-level ``name = ...`` (annotated or not) in a Python file, or None."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == name:
            return ast.literal_eval(node.value) if node.value is not None else None
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return ast.literal_eval(node.value)
    return None


def staleness(artefact: str, root: Path = ROOT) -> str | None:
    """Why the artefact's header does not match this checkout (one line naming the make target), or None."""
    want = expected(artefact, root)
    have = recorded(artefact, root)
    if have is None:
        return f"{artefact}: no provenance header; run `{want['regenerate']}`"
    changed = [name for name, digest in want["inputs"].items() if have.get("inputs", {}).get(name) != digest]
    if have.get("generator_version") != want["generator_version"]:
        changed.append(f"generator_version {have.get('generator_version')} -> {want['generator_version']}")
    if not changed and have.get("generator") == want["generator"]:
        return None
    return f"{artefact} is stale ({', '.join(changed) or 'generator'} changed): run `{want['regenerate']}` and commit"


def performance_comment(root: Path = ROOT) -> str:
    """The line ``bench/run_all.py`` prints above its table, for docs/performance.md."""
    return f"<!-- provenance: {json.dumps(expected('docs/performance.md table', root), sort_keys=True)} -->"
