"""Build step: when each config field, public name and key message appeared, from released packages.

Usage:
  python scripts/build_version_table.py [--src DIR] [--download]   (writes kb/data/versions.json)

Sources are unpacked wheels in ``DIR/<pkg>/<version>/`` (default /tmp/research/src, with the
folder names peft, tf=transformers, trl, acc=accelerate). ``--download`` first runs
``pip download --no-deps <pkg>==<version>`` for the releases in RELEASES that are missing and
unpacks them there. Only the versions present are read: a "first" version means "present in
this release and absent in the previous release that was read" (``absent_in``), so the table
states its own granularity.

Recorded per package: the fields of the config dataclasses (AST of the class bodies), the
public names (peft: ``peft/__init__.py`` imports; others: a curated list of classes), and
which key messages the source contains: the substrings that entries declare under ``messages:``.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "kb" / "data" / "versions.json"
GENERATOR_VERSION = 1  # bump when the table's meaning changes; the spec below is hashed into its header
FOLDERS = {"peft": "peft", "transformers": "tf", "trl": "trl", "accelerate": "acc"}
RELEASES = {  # the last three years of minors, for --download
    "peft": [f"0.{m}.0" for m in range(4, 22)],
    "transformers": [f"4.{m}.0" for m in range(30, 58)] + ["5.0.0"],
    "trl": [f"0.{m}.0" for m in range(4, 30)],
    "accelerate": [f"0.{m}.0" for m in range(20, 35)] + [f"1.{m}.0" for m in range(0, 16)],
}
CONFIG_CLASSES = {"peft": ("LoraConfig", "PeftConfig", "PeftConfigMixin", "PromptLearningConfig")}
CURATED_NAMES = {
    "transformers": [
        "EncoderDecoderCache",
        "HybridCache",
        "DynamicCache",
        "Cache",
        "BitsAndBytesConfig",
        "QuantoConfig",
        "HqqConfig",
        "TorchAoConfig",
    ],
    "trl": [
        "SFTTrainer",
        "SFTConfig",
        "DPOTrainer",
        "DPOConfig",
        "GRPOTrainer",
        "GRPOConfig",
        "RewardTrainer",
    ],
    "accelerate": ["Accelerator", "PartialState", "DeepSpeedPlugin", "FullyShardedDataParallelPlugin"],
}


def kb_messages(entries_dir: Path | None = None) -> dict[str, list[str]]:
    """The version-relevant library messages the KB's entries declare (``messages:``), per package.

    Read from the entries, not kept here by hand: an entry that adds a message gets it into the
    table on the next build. Sorted and without repeats, so the table is deterministic.
    """
    from peft_why.kb.loader import load_entry_file

    folder = entries_dir or Path(__file__).resolve().parent.parent / "kb" / "entries"
    found: dict[str, set[str]] = {package: set() for package in FOLDERS}
    for path in sorted(folder.glob("*.yaml")):
        loaded, _problems = load_entry_file(path)
        for message in loaded.entry.messages if loaded else ():
            found.setdefault(message.package, set()).add(message.text)
    return {package: sorted(texts) for package, texts in found.items()}


def version_key(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def download(src: Path, package: str) -> None:
    folder = src / FOLDERS[package]
    for version in RELEASES[package]:
        target = folder / version
        if target.exists():
            continue
        tmp = src / ".wheels"
        tmp.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                "--only-binary=:all:",
                f"{package}=={version}",
                "-d",
                str(tmp),
            ],
            capture_output=True,
        )
        if done.returncode != 0:
            continue
        wheel = next(iter(sorted(tmp.glob(f"{package}-{version}-*.whl"))), None)
        if wheel is not None:
            with zipfile.ZipFile(wheel) as archive:
                archive.extractall(target)


def class_fields(root: Path, names: tuple[str, ...]) -> dict[str, list[str]]:
    """Annotated attributes in the bodies of the named classes, wherever they are defined."""
    found: dict[str, list[str]] = {}
    for path in sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8", errors="replace")
        if not any(f"class {name}" in text for name in names):
            continue
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.ClassDef) and node.name in names and node.name not in found:
                found[node.name] = [
                    item.target.id
                    for item in node.body
                    if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)
                ]
    return found


def peft_public_names(root: Path) -> list[str]:
    init = root / "peft" / "__init__.py"
    tree = ast.parse(init.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names.update(alias.asname or alias.name for alias in node.names)
    return sorted(n for n in names if not n.startswith("_"))


def defined_classes(root: Path, wanted: list[str]) -> list[str]:
    pattern = re.compile(r"^class (" + "|".join(wanted) + r")\b", re.MULTILINE)
    found = set()
    for path in root.rglob("*.py"):
        found.update(pattern.findall(path.read_text(encoding="utf-8", errors="replace")))
    return sorted(found)


def messages_in(root: Path, wanted: list[str]) -> list[str]:
    blob = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in root.rglob("*.py"))
    return [m for m in wanted if m in blob]


def snapshot(package: str, root: Path, messages: list[str]) -> dict[str, set[str]]:
    items: dict[str, set[str]] = {}
    for cls, fields in class_fields(root, CONFIG_CLASSES.get(package, ())).items():
        items.update({f"field:{cls}.{name}": set() for name in fields})
    names = peft_public_names(root) if package == "peft" else defined_classes(root, CURATED_NAMES[package])
    items.update({f"name:{name}": set() for name in names})
    items.update({f"message:{text}": set() for text in messages_in(root, messages)})
    return items


def history(package: str, src: Path, messages: list[str]) -> dict[str, object]:
    folder = src / FOLDERS[package]
    versions = sorted((p.name for p in folder.iterdir() if p.is_dir()), key=version_key) if folder.is_dir() else []
    seen: dict[str, list[str]] = {}
    for version in versions:
        for item in snapshot(package, folder / version, messages):
            seen.setdefault(item, []).append(version)
    table: dict[str, dict[str, object]] = {}
    for item, present in sorted(seen.items()):
        first = present[0]
        before = [v for v in versions if version_key(v) < version_key(first)]
        last = present[-1]
        after = [v for v in versions if version_key(v) > version_key(last)]
        table[item] = {
            "first": first,
            "absent_in": before[-1] if before else None,
            "last": last,
            "removed_in": after[0] if after else None,
        }
    return {"versions_read": versions, "items": table}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--src", default="/tmp/research/src")
    parser.add_argument("--download", action="store_true")
    args = parser.parse_args()
    src = Path(args.src)
    if args.download:
        for package in FOLDERS:
            download(src, package)
    from provenance import expected

    messages = kb_messages()
    table: dict[str, object] = {package: history(package, src, messages.get(package, [])) for package in FOLDERS}
    table["_provenance"] = expected("kb/data/versions.json")  # readers look packages up by name
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {OUT}: " + ", ".join(f"{p} {len(history_of['items'])} items" for p, history_of in _packages(table)))
    return 0


def _packages(table: dict[str, object]) -> list[tuple[str, dict[str, list[str]]]]:
    return [(name, value) for name, value in table.items() if name in FOLDERS and isinstance(value, dict)]


if __name__ == "__main__":
    sys.exit(main())
