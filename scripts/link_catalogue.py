"""Generated edit: fill the ``catalogue:`` id of each KB entry's ``messages:`` items from the catalogue.

  python scripts/link_catalogue.py [--check]

An item's ``text`` is a literal substring of the library's source. It is linked to the catalogue
message of the same package whose template holds that text; where several do, to the one the entry's
own symptom pattern matches (placeholders filled, ``matcher.source.pattern_links``); where that still
leaves more than one, or none, the item is left as it is and reported. Ids are written, never typed:
the YAML gets one ``catalogue:`` line after the item's ``text:`` line, nothing else changes.
``--check`` writes nothing and exits 1 when a file would change (CI: the links are current).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from matcher.catalogue import PLACEHOLDER, Catalogue, load_catalogue, normalise_template  # noqa: E402


def candidates(book: Catalogue, package: str, text: str) -> list[str]:
    """Ids of the package's messages whose literal text holds ``text`` (whitespace-normalised)."""
    wanted = normalise_template(text)
    return sorted(
        str(record["id"])
        for record in book.records
        if record["p"] == package and wanted in normalise_template(str(record["t"]).replace(PLACEHOLDER, " "))
    )


def choose(ids: list[str], by_pattern: set[str]) -> str | None:
    """The one id, or the one the entry's pattern matches among several; else None."""
    if len(ids) == 1:
        return ids[0]
    narrowed = [i for i in ids if i in by_pattern]
    return narrowed[0] if len(narrowed) == 1 else None


def with_links(text: str, links: dict[int, str]) -> str:
    """The YAML text with ``catalogue: <id>`` after the ``text:`` line of each linked ``messages`` item."""
    lines = text.split("\n")
    out: list[str] = []
    inside, item = False, -1
    for line in lines:
        if line.startswith("messages:"):
            inside = True
        elif inside and line and not line.startswith(" "):
            inside = False
        out.append(line)
        if not inside:
            continue
        stripped = line.lstrip()
        if stripped.startswith("- "):
            item += 1
        if stripped.startswith(("text:", "- text:")) and item in links:
            indent = " " * (len(line) - len(stripped) + (2 if stripped.startswith("- ") else 0))
            out.append(f"{indent}catalogue: {links[item]}")
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file would change")
    args = parser.parse_args()
    from peft_why.matcher.diagnose import get_kb
    from peft_why.matcher.source import pattern_links

    book = load_catalogue()
    kb, index = get_kb()
    reverse: dict[str, set[str]] = {}
    changed = 0
    for entry in sorted(kb.entries, key=lambda e: e.id):
        links: dict[int, str] = {}
        for n, message in enumerate(entry.messages):
            if message.catalogue:
                continue
            ids = candidates(book, message.package, message.text)
            for source_id in ids:
                if source_id not in reverse:
                    reverse[source_id] = set(pattern_links(source_id, index))
            chosen = choose(ids, {i for i in ids if entry.id in reverse[i]})
            if chosen is None:
                print(f"{entry.id}: messages[{n}] {message.text!r}: {len(ids)} catalogue messages hold it; not linked")
                continue
            links[n] = chosen
            print(f"{entry.id}: messages[{n}] -> {chosen}")
        if links:
            path = ROOT / "kb" / "entries" / f"{entry.id}.yaml"
            old = path.read_text(encoding="utf-8")
            new = with_links(old, links)
            if new != old:
                changed += 1
                if not args.check:
                    path.write_text(new, encoding="utf-8")
    print(f"{changed} entries {'would change' if args.check else 'changed'}")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    raise SystemExit(main())
