"""Parse time for a 1 MB log (median of 5), plus a 10 MB paste and adversarial single lines.

Run: ``.venv/bin/python bench/parse_speed.py``. The log is built from the golden format
samples (tracebacks, torchrun ranks, tqdm redraws, pytest output) repeated to size.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from peft_why.matcher.parse import parse

SAMPLES = Path(__file__).resolve().parents[1] / "tests" / "golden" / "formats"
MB = 1_000_000


def corpus(size: int) -> str:
    parts = [path.read_bytes().decode("utf-8") for path in sorted(SAMPLES.glob("*.txt"))]
    block = "\n".join(parts)
    return (block * (size // len(block) + 1))[:size]


def timed(text: str, repeats: int) -> str:
    """Median wall and CPU seconds; CPU time is the fairer number on a shared machine."""
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        parse(text)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return f"{statistics.median(wall):.3f} s wall, {statistics.median(cpu):.3f} s CPU"


def main() -> None:
    log = corpus(MB)
    print(f"1 MB log ({log.count(chr(10))} lines): median of 5 = {timed(log, 5)}")
    print(f"10 MB log: {timed(corpus(10 * MB), 1)}")
    adversarial = {
        "one 1 MB line of path segments": "/a" * (MB // 2),
        "one 1 MB line of 'File \"'": 'File "' * (MB // 6),
        "one 1 MB line of timestamps": "2024-01-01 00:00:00 " * (MB // 20),
        "1 MB of '&amp;' entities": "&amp;" * (MB // 5),
        "1 MB of 'Error: ' words": "ValueError: " * (MB // 12),
    }
    for name, text in adversarial.items():
        print(f"{name}: {timed(text, 1)}")


if __name__ == "__main__":
    main()
