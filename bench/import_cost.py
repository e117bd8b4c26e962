"""Import cost of ``peft_why`` and of ``install()``, and the hook's added time on a diagnosed failure.

Each figure is the median wall time of N fresh interpreters (``-n``, default 21),
beside ``python -c pass`` on the same machine. Run: ``python bench/import_cost.py``.
Bytecode caching is forced on (``PYTHONDONTWRITEBYTECODE`` is dropped for the
children) because an installed package has its ``.pyc`` files; the warm-up run writes them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

CASES = {
    "python -c pass": "pass",
    "import peft_why": "import peft_why",
    "import peft_why; peft_why.install()": "import peft_why; peft_why.install()",
}

# Inside a fresh process: CPU time of the import and of install(), robust on a busy shared machine.
IN_PROCESS = r"""
import time
clock = time.process_time
start = clock()
import peft_why
imported = clock()
peft_why.install()
print(imported - start, clock() - imported)
"""

# In one process: the hook's own time on a KB failure (after the traceback prints), cold then warm.
HOOK_TIME = r"""
import io, sys, time, peft_why
peft_why.install()
def fail():
    try:
        raise ValueError("Attempting to unscale FP16 gradients.")
    except ValueError as exc:
        return exc
times = []
for _ in range(6):
    exc = fail()
    sys.stderr = io.StringIO()
    start, cpu = time.perf_counter(), time.process_time()
    sys.excepthook(type(exc), exc, exc.__traceback__)
    times.append(time.perf_counter() - start)
    if len(times) == 1:
        cold_cpu = time.process_time() - cpu
    shown, sys.stderr = sys.stderr.getvalue(), sys.__stderr__
    assert "fp16-unscale-amp" in shown
plain = []
for _ in range(6):
    exc = fail()
    sys.stderr = io.StringIO()
    start = time.perf_counter()
    sys.__excepthook__(type(exc), exc, exc.__traceback__)
    plain.append(time.perf_counter() - start)
    sys.stderr = sys.__stderr__
print(times[0], cold_cpu, sorted(times[1:])[2], sorted(plain)[3])
"""


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def walls(runs: int) -> dict[str, float]:
    """Median seconds of a fresh ``python -c CODE`` per case, cases interleaved (after one warm-up round)."""
    samples: dict[str, list[float]] = {label: [] for label in CASES}
    for index in range(runs + 1):
        for label, code in CASES.items():
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True, env=ENV)
            if index:
                samples[label].append(time.perf_counter() - start)
    return {label: statistics.median(values) for label, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("-n", "--runs", type=int, default=21)
    args = parser.parse_args()
    print(f"{sys.executable} ({sys.version.split()[0]}), median of {args.runs} runs, wall time")
    medians = walls(args.runs)
    base = medians["python -c pass"]
    for label, seconds in medians.items():
        print(f"  {label:<40} {seconds * 1000:7.1f} ms   (+{(seconds - base) * 1000:5.1f} ms over bare Python)")
    inside = [
        [
            float(x)
            for x in subprocess.run(
                [sys.executable, "-c", IN_PROCESS], check=True, capture_output=True, text=True, env=ENV
            ).stdout.split()
        ]
        for _ in range(args.runs)
    ]
    print("inside the process (CPU time, median):")
    print(f"  import peft_why                          {statistics.median(r[0] for r in inside) * 1000:7.2f} ms")
    print(f"  peft_why.install()                       {statistics.median(r[1] for r in inside) * 1000:7.2f} ms")
    cold, cold_cpu, warm, plain = [
        float(x)
        for x in subprocess.run(
            [sys.executable, "-c", HOOK_TIME], check=True, capture_output=True, text=True, env=ENV
        ).stdout.split()
    ]
    print("hook on a diagnosed failure (in-process, the traceback itself included):")
    print(f"  plain traceback (sys.__excepthook__)     {plain * 1000:7.1f} ms")
    print(f"  first failure in a process (cold)        {cold * 1000:7.1f} ms   ({cold_cpu * 1000:.0f} ms CPU)")
    print("    (cold = importing the matcher and loading the KB once per process)")
    print(f"  a later failure (warm)                   {warm * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
