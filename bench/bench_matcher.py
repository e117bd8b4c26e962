"""Matcher speed: whole-process medians beside `python -c pass`, warm per-paste latency, a 5,000-entry KB.

Usage: python bench/bench_matcher.py [--runs N] [--kb DIR]      (make bench)

Targets (issue 5): `--json` on a regex-settled paste <= 10x `python -c pass`; a paste that needs the
semantic stage <= 40x; warm per paste <= 20 ms without semantic, <= 100 ms with it; a synthetic
5,000-entry KB warm <= 60 ms without semantic. Caches are warmed first (one untimed run each).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REGEX_PASTE = """Traceback (most recent call last):
  File "/home/u/train.py", line 16, in <module>
    scaler.step(opt)
  File "/usr/lib/python3.11/site-packages/torch/amp/grad_scaler.py", line 275, in _unscale_grads_
    raise ValueError("Attempting to unscale FP16 gradients.")
ValueError: Attempting to unscale FP16 gradients.
"""
SEMANTIC_PASTE = "with half precision weights the optimizer step keeps failing while the grad scaler runs\n"
SENTENCES = [
    SEMANTIC_PASTE,
    "我的 lora 模型加载以后和原来的模型输出完全一样",
    "the classifier head seems random after I reload the adapter",
]
BIG_KB = 5000


def whole_process(argv: list[str], runs: int, env: dict[str, str]) -> float:
    subprocess.run(argv, env=env, capture_output=True)  # warm caches (compiled KB, vectors)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, env=env, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def warm_latency(texts: list[str], stages: list[str] | None, repeat: int = 5) -> float:
    from peft_why.matcher.diagnose import diagnose_text

    for text in texts:
        diagnose_text(text, stages=stages)
    times = []
    for _ in range(repeat):
        for text in texts:
            start = time.perf_counter()
            diagnose_text(text, stages=stages)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def synthetic_kb(count: int) -> list[object]:
    """Entries with random words, one regex each, three aliases, three examples (deterministic)."""
    from peft_why.kb.schema import Entry

    rng = random.Random(5)
    words = [f"w{n:05d}" for n in range(20000)]
    entries = []
    for number in range(count):
        picked = rng.sample(words, 24)
        entries.append(
            Entry.model_validate(
                {
                    "id": f"synthetic-{number:05d}",
                    "title": " ".join(picked[:8]),
                    "area": "training",
                    "root_cause": "synthetic",
                    "fix": {"summary": "synthetic"},
                    "symptoms": [{"scope": "message", "regex": f"{picked[0]} {picked[1]} \\d+ {picked[2]}"}],
                    "aliases": [" ".join(picked[3:10]), " ".join(picked[10:16]), " ".join(picked[16:22])],
                    "examples": {
                        "match": [f"ValueError: {picked[0]} {picked[1]} 3 {picked[2]} {picked[22]}"] * 1
                        + [f"RuntimeError: {' '.join(picked[5:12])}", " ".join(picked[12:24])]
                    },
                }
            ).to_model()
        )
    return entries


def big_kb_latency(count: int) -> tuple[float, float, float]:
    """(build s, warm ms without semantic, warm ms with semantic on synthetic vectors)."""
    import numpy as np

    from peft_why.matcher.diagnose import rank
    from peft_why.matcher.parse import parse
    from peft_why.matcher.prepared import prepare
    from peft_why.matcher.semantic import DIM, VectorIndex

    entries = synthetic_kb(count)
    start = time.perf_counter()
    index = prepare(entries)
    queries = [parse(f"ValueError: {e.title}") for e in entries[:: count // 10]]
    queries += [parse(" ".join(e.aliases[0].split()[:5]) + " fails") for e in entries[1 :: count // 10]]
    rank(queries[0], index, stages=("regex", "lexical", "fuzzy"))  # builds the lazy parts
    build = time.perf_counter() - start

    rows = 4 * count
    rng = np.random.default_rng(5)
    matrix = rng.standard_normal((rows, DIM)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    ids = tuple(sorted(index.entries))
    starts = tuple(range(0, rows, 4))
    query_vec = matrix[:1]

    def encode(texts: list[str]) -> object:
        return query_vec  # the query encoder's own cost is measured by the warm-latency row

    vectors = VectorIndex(ids, starts, matrix, tuple("t" for _ in range(rows)), encode)
    times, sem_times = [], []
    for _ in range(3):
        for trace in queries:
            t0 = time.perf_counter()
            rank(trace, index, stages=("regex", "lexical", "fuzzy"))
            times.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            rank(trace, index, stages=("regex", "lexical", "fuzzy", "semantic"), vectors=lambda: vectors)
            sem_times.append(time.perf_counter() - t0)
    return build, statistics.median(times) * 1000, statistics.median(sem_times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--kb", default="", help="extra KB dir for all measurements (e.g. entries in progress)")
    args = parser.parse_args()
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    env.pop("PEFT_WHY_KB_PATH", None)
    os.environ.pop("PEFT_WHY_KB_PATH", None)
    if args.kb:
        env["PEFT_WHY_KB_PATH"] = os.environ["PEFT_WHY_KB_PATH"] = args.kb
    script = str(Path(sys.executable).with_name("peft-why"))
    with tempfile.TemporaryDirectory() as tmp:
        regex_file, sem_file = Path(tmp, "regex.txt"), Path(tmp, "semantic.txt")
        regex_file.write_text(REGEX_PASTE, encoding="utf-8")
        sem_file.write_text(SEMANTIC_PASTE, encoding="utf-8")
        base = whole_process([sys.executable, "-c", "pass"], args.runs, env)
        regex_s = whole_process([script, "--json", str(regex_file)], args.runs, env)
        sem_s = whole_process([script, "--json", str(sem_file)], args.runs, env)
    warm_plain = warm_latency([REGEX_PASTE, *SENTENCES], ["regex", "lexical", "fuzzy"]) * 1000
    warm_sem = warm_latency(SENTENCES, None) * 1000
    build, big_ms, big_sem_ms = big_kb_latency(BIG_KB)
    rows = [
        ("python -c pass (whole process)", f"{base:.3f} s", "1.0x", "-"),
        ("--json, regex-settled paste", f"{regex_s:.3f} s", f"{regex_s / base:.1f}x", "<= 10x"),
        ("--json, paste needing semantic", f"{sem_s:.3f} s", f"{sem_s / base:.1f}x", "<= 40x"),
        ("warm per paste, no semantic", f"{warm_plain:.1f} ms", "", "<= 20 ms"),
        ("warm per paste, with semantic", f"{warm_sem:.1f} ms", "", "<= 100 ms"),
        (f"{BIG_KB}-entry KB warm, no semantic", f"{big_ms:.1f} ms", "", "<= 60 ms"),
        (f"{BIG_KB}-entry KB warm, semantic (synthetic vectors)", f"{big_sem_ms:.1f} ms", "", "-"),
        (f"{BIG_KB}-entry KB index build (once)", f"{build:.2f} s", "", "-"),
    ]
    print(f"{'measure':<50}{'median':>12}{'ratio':>8}{'target':>11}")
    for name, value, ratio, target in rows:
        print(f"{name:<50}{value:>12}{ratio:>8}{target:>11}")


if __name__ == "__main__":
    main()
