"""Tune ``matcher.source.MIN_SPECIFICITY`` on the catalogue itself (never on the devset).

  python scripts/tune_source_guard.py [--seed 15]

Leave-one-out: every catalogue message is pasted once as a filled one-line message (the builder's
sampler) against the catalogue *without* it (and without templates of the same literal text), as a
message the catalogue lacks would be -- a newer release's, or user code's. Any hit is then *stray*:
a generic template answering a message it does not describe. Against the full catalogue the right
first hit is the pasted template. For each literal-length threshold the script prints the share of
pastes whose first stray hit is a generic template (its literal text under half the paste's) that the
guard keeps, and the right first hits it would throw away.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from matcher.catalogue import PLACEHOLDER, Catalogue, catalogue_hits, load_catalogue  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    spec = importlib.util.spec_from_file_location("build_catalogue", ROOT / "scripts" / "build_catalogue.py")
    assert spec is not None and spec.loader is not None
    builder = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_catalogue", builder)
    spec.loader.exec_module(builder)
    book = load_catalogue()
    rng = random.Random(args.seed)
    stray: list[int] = []  # literal length of the first stray hit of each paste that has one
    right: list[int] = []  # literal length of each right first hit
    by_literal: dict[str, list[dict[str, object]]] = {}
    for record in book.records:
        by_literal.setdefault(str(record["t"]).replace(PLACEHOLDER, ""), []).append(record)
    for record in sorted(book.records, key=lambda r: r["id"]):
        literal = str(record["t"]).replace(PLACEHOLDER, "")
        paste = builder.paste_line(record, rng)
        hits = catalogue_hits(paste, book)
        if hits and (hits[0].id == record["id"] or hits[0].message.replace(PLACEHOLDER, "") == literal):
            right.append(hits[0].specificity)
        twins = {id(r) for r in by_literal[literal]}
        without = Catalogue(book.header, [r for r in book.records if id(r) not in twins])
        others = catalogue_hits(paste, without)
        # a stray hit that covers most of the paste is an older wording of the same message (a fair
        # answer); one that covers under half of it is a generic template: what the guard is for
        covered = len("".join(paste.split())) - len(others[0].exception) if others else 0
        if others and others[0].specificity < covered / 2:
            stray.append(others[0].specificity)
    print(f"{len(book.records)} pastes; {len(right)} right first hits; {len(stray)} pastes with a generic stray hit")
    print("threshold  stray kept  right lost")
    for threshold in (0, 10, 15, 20, 25, 30, 35, 40, 50):
        kept = sum(1 for n in stray if n >= threshold)
        lost = sum(1 for n in right if n < threshold)
        print(f"{threshold:>9}  {kept:>10}  {lost:>10}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
