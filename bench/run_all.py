"""All benchmarks in one table (issue 10): process time and peak memory, growth with KB size, throughput.

Usage: .venv/bin/python bench/run_all.py [--runs N] [--quick]        (make bench-all)

Prints one table, headed by its provenance line (the benchmark scripts' hash, checked by
tests/test_provenance.py); copy both to docs/performance.md with the machine it came from.
Timings are medians; these machines are shared, so compare rows of one run, not runs.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

from bench_matcher import REGEX_PASTE, SEMANTIC_PASTE, SENTENCES, big_kb_latency, warm_latency
from provenance import performance_comment

GENERATOR_VERSION = 1  # bump when the table's rows or their meaning change

Row = tuple[str, str, str, str]


def run_measured(argv: list[str], env: dict[str, str], stdin_path: Path | None = None) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of one child process, from the kernel's own accounting.

    posix_spawn (vfork-style) rather than fork: a forked child's peak RSS would include
    a copy of this process's pages before exec.
    """
    devnull = os.open(os.devnull, os.O_RDWR)
    source = os.open(stdin_path, os.O_RDONLY) if stdin_path else devnull
    actions = [(os.POSIX_SPAWN_DUP2, source, 0), (os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)]
    try:
        start = time.perf_counter()
        pid = os.posix_spawn(argv[0], argv, env, file_actions=actions)
        _pid, _status, usage = os.wait4(pid, 0)
        wall = time.perf_counter() - start
    finally:
        os.close(devnull)
        if stdin_path:
            os.close(source)
    return wall, usage.ru_maxrss / 1024


def process_rows(runs: int, env: dict[str, str], tmp: Path) -> list[Row]:
    """Whole-process wall and peak memory, each beside `python -c pass` from the same run."""
    script = str(Path(sys.executable).with_name("peft-why"))
    regex_file, sem_file, big_file = tmp / "regex.txt", tmp / "semantic.txt", tmp / "big.log"
    regex_file.write_text(REGEX_PASTE, encoding="utf-8")
    sem_file.write_text(SEMANTIC_PASTE, encoding="utf-8")
    with big_file.open("w", encoding="utf-8") as out:
        line = "2026-11-27 12:00:01 INFO step 12 loss 0.531 lr 2e-4 grad_norm 1.02\n"
        for _ in range(50):  # in 1 MB pieces: a 50 MB string here would inflate every child's peak RSS
            out.write(line * (1_000_000 // len(line)))
        out.write(REGEX_PASTE)
    cases = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "peft-why --json, regex-settled paste": [script, "--json", str(regex_file)],
        "peft-why --json, semantic-path paste": [script, "--json", str(sem_file)],
        "peft-why --json, 50 MB log": [script, "--json", str(big_file)],
    }
    for argv in cases.values():
        run_measured(argv, env)  # warm the page cache and peft-why's compiled KB cache
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, argv in cases.items():  # interleaved, so load changes hit every case alike
            samples[name].append(run_measured(argv, env))
    base = statistics.median(w for w, _ in samples["python -c pass"])
    rows: list[Row] = []
    targets = {"regex-settled": "<= 10x", "semantic-path": "<= 40x", "50 MB": "<= 2 s, 200 MB"}
    for name, values in samples.items():
        wall = statistics.median(w for w, _ in values)
        rss = max(r for _, r in values)
        target = next((t for key, t in targets.items() if key in name), "-")
        rows.append((name, f"{wall:.3f} s / {rss:.0f} MiB", f"{wall / base:.1f}x", target))
    return rows


def throughput_row(env: dict[str, str], tmp: Path, count: int = 1000) -> Row:
    """One `peft-why --json` process over `count` files: per-file cost once start-up is paid."""
    folder = tmp / "many"
    folder.mkdir()
    texts = [REGEX_PASTE, *SENTENCES, "ZeroDivisionError: division by zero\n"]
    files = []
    for number in range(count):
        path = folder / f"paste{number:04d}.txt"
        path.write_text(texts[number % len(texts)], encoding="utf-8")
        files.append(str(path))
    script = str(Path(sys.executable).with_name("peft-why"))
    wall, rss = run_measured([script, "--json", *files], env)
    return (
        f"peft-why --json over {count} files (one process)",
        f"{wall:.2f} s / {rss:.0f} MiB",
        f"{count / wall:.0f}/s",
        "-",
    )


def growth_rows(sizes: list[int]) -> list[Row]:
    plain_ms = warm_latency([REGEX_PASTE, *SENTENCES], ["regex", "lexical", "fuzzy"]) * 1000
    semantic_ms = warm_latency(SENTENCES, None) * 1000
    rows: list[Row] = [
        ("warm per paste, shipped KB, no semantic", f"{plain_ms:.1f} ms", "", "<= 20 ms"),
        ("warm per paste, shipped KB, with semantic", f"{semantic_ms:.1f} ms", "", "<= 100 ms"),
    ]
    for size in sizes:
        build, plain_ms, sem_ms = big_kb_latency(size)
        target = "<= 60 ms" if size == 5000 else "-"
        rows.append((f"synthetic {size:,}-entry KB, warm, no semantic", f"{plain_ms:.1f} ms", "", target))
        rows.append((f"synthetic {size:,}-entry KB, warm, semantic (synthetic vectors)", f"{sem_ms:.1f} ms", "", "-"))
        rows.append((f"synthetic {size:,}-entry KB, index build (once)", f"{build:.1f} s", "", "-"))
    return rows


def import_rows(runs: int) -> list[Row]:
    """Import cost of peft_why and of install(), beside bare Python (bench/import_cost.py's cases)."""
    from import_cost import walls

    medians = walls(runs)
    base = medians["python -c pass"]
    return [
        (
            f"{label} (whole process)",
            f"{seconds * 1000:.1f} ms",
            f"{(seconds - base) * 1000:+.1f} ms",
            "<= 5 ms" if "import" in label else "-",
        )
        for label, seconds in medians.items()
        if label != "python -c pass"
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="skip the 50,000-entry KB")
    args = parser.parse_args()
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    env.pop("PEFT_WHY_KB_PATH", None)
    os.environ.pop("PEFT_WHY_KB_PATH", None)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        rows += process_rows(args.runs, env, Path(tmp))
        rows.append(throughput_row(env, Path(tmp)))
    rows += growth_rows([500, 5000] if args.quick else [500, 5000, 50000])
    rows += import_rows(max(args.runs, 11))
    cpu = (
        next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        )
        if Path("/proc/cpuinfo").exists()
        else ""
    )
    print(f"machine: {os.cpu_count()} cores, {cpu}; Python {platform.python_version()}; median of {args.runs} runs")
    print(performance_comment())
    print()  # Markdown ends the comment's HTML block at a blank line: without it the table would not render
    print(f"| {'measure':<62} | {'median (wall / peak RSS)':>26} | {'ratio':>10} | {'target':>16} |")
    print(f"|{'-' * 64}|{'-' * 28}|{'-' * 12}|{'-' * 18}|")
    for name, value, ratio, target in rows:
        print(f"| {name:<62} | {value:>26} | {ratio:>10} | {target:>16} |")


if __name__ == "__main__":
    main()
