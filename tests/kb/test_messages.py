"""Version-relevant messages live in the entries (``messages:``); the version table build reads them there."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_version_table", ROOT / "scripts" / "build_version_table.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_message_the_version_table_records_is_declared_by_an_entry() -> None:
    table = json.loads((ROOT / "kb" / "data" / "versions.json").read_text(encoding="utf-8"))
    declared = _script().kb_messages()
    for package, data in ((p, d) for p, d in table.items() if not p.startswith("_")):  # _provenance: the header
        recorded = {item.removeprefix("message:") for item in data["items"] if item.startswith("message:")}
        assert recorded <= set(declared.get(package, [])), f"{package}: {sorted(recorded - set(declared[package]))}"


def test_kb_messages_reads_the_entries_sorted_and_without_repeats(tmp_path: Path) -> None:
    base = (ROOT / "kb" / "entries" / "target-modules-not-found.yaml").read_text(encoding="utf-8")
    (tmp_path / "target-modules-not-found.yaml").write_text(base, encoding="utf-8")
    found = _script().kb_messages(tmp_path)
    assert found["peft"] == sorted(set(found["peft"])) and "not found in the base model" in found["peft"]
    assert found["trl"] == []
