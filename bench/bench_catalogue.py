"""Message-catalogue speed: cold load in fresh processes, warm lookup per paste, a long paste.

Usage: python bench/bench_catalogue.py [--runs N] [--devset DIR]

Pastes are the KB's own ``examples.match`` (kb/entries/*.yaml). ``--devset DIR`` also counts how
many of DIR's cases (``cases/*.txt``) hit a catalogue message: counts only, no text is printed,
so the figure can be quoted without the devset leaking anywhere.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
COLD = """
import time
t0 = time.perf_counter(); c0 = time.process_time()
from peft_why.matcher.catalogue import load_catalogue
t1 = time.perf_counter(); c1 = time.process_time()
book = load_catalogue()
t2 = time.perf_counter(); c2 = time.process_time()
assert book.records
print((t1 - t0) * 1000, (c1 - c0) * 1000, (t2 - t1) * 1000, (c2 - c1) * 1000)
"""


def kb_pastes() -> list[str]:
    pastes: list[str] = []
    for path in sorted((ROOT / "kb" / "entries").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        pastes.extend(str(x) for x in (data.get("examples") or {}).get("match") or [])
    return pastes


def cold(runs: int) -> None:
    rows = []
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-c", COLD], capture_output=True, text=True, check=True)
        rows.append([float(x) for x in done.stdout.split()])
    import_wall, import_cpu, load_wall, load_cpu = (statistics.median(col) for col in zip(*rows))
    print(
        f"cold, median of {runs} processes: import {import_wall:.1f} ms wall / {import_cpu:.1f} ms cpu, "
        f"load_catalogue() {load_wall:.1f} ms wall / {load_cpu:.1f} ms cpu"
    )


def warm(pastes: list[str]) -> None:
    from peft_why.matcher.catalogue import catalogue_hits, load_catalogue

    book = load_catalogue()
    for paste in pastes:  # compile the regexes these pastes reach
        catalogue_hits(paste, book)
    times = []
    hit = 0
    for paste in pastes:
        started = time.perf_counter()
        for _ in range(10):
            found = catalogue_hits(paste, book)
        times.append((time.perf_counter() - started) / 10 * 1000)
        hit += bool(found)
    times.sort()
    print(
        f"warm, {len(pastes)} KB example pastes: median {statistics.median(times):.3f} ms, "
        f"p95 {times[int(0.95 * (len(times) - 1))]:.3f} ms, max {times[-1]:.3f} ms; {hit} hit a catalogue message"
    )
    long = "\n".join(pastes * 20)
    started = time.perf_counter()
    catalogue_hits(long, book)
    print(f"one {len(long) // 1024} KB paste: {(time.perf_counter() - started) * 1000:.1f} ms")


def devset(folder: Path) -> None:
    from peft_why.matcher.catalogue import catalogue_hits

    cases = sorted((folder / "cases").glob("*.txt"))
    hit = sum(bool(catalogue_hits(p.read_text(encoding="utf-8", errors="replace"))) for p in cases)
    print(f"devset: {hit}/{len(cases)} cases hit a catalogue message")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--devset", type=Path)
    args = parser.parse_args()
    cold(args.runs)
    warm(kb_pastes())
    if args.devset:
        devset(args.devset)
    return 0


if __name__ == "__main__":
    sys.exit(main())
