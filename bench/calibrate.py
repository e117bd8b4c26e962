"""Fit the fused score's calibration (Platt scaling) on labelled folders; never on the devset.

Usage: python bench/calibrate.py bench/heldout   (prints a Platt CALIBRATION for the current weights)

matcher/fuse.py's constants now come from bench/fit_devset.py (real pastes, cross-validated, KB
examples kept); this script remains a check of the calibration on bench/heldout.

Data: the raw fused top-1 score of each case and whether it is right (any answer on a
``none`` case is wrong). The map is monotonic, so it changes no ranking, only what a
score means: after it, 0.8 should be right about 80% of the time.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

from peft_why.matcher.diagnose import get_prepared, get_vectors, stage_candidates
from peft_why.matcher.evaluate import load_cases
from peft_why.matcher.fuse import DEFAULT_WEIGHTS, IDENTITY, fuse
from peft_why.matcher.parse import parse

GENERATOR_VERSION = 1  # bump when the fit changes (label smoothing, steps, what is fitted)


def top_scores(folders: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Raw (uncalibrated) fused top-1 score of every case and whether that top-1 is right."""
    index = get_prepared()
    xs, ys = [], []
    for folder in folders:
        for case in load_cases(Path(folder)):
            found = stage_candidates(parse(case.text), index, vectors=lambda: get_vectors())
            ranked = fuse(found, index.entries, DEFAULT_WEIGHTS, threshold=0.0, calibration=IDENTITY)
            if ranked:
                xs.append(ranked[0].score)
                ys.append(1.0 if ranked[0].id == case.label else 0.0)
    return np.asarray(xs), np.asarray(ys)


def fit(x: np.ndarray, y: np.ndarray, steps: int = 50000, lr: float = 1.0) -> tuple[float, float]:
    """Platt scaling: p = sigmoid(a * x + b), by gradient descent on the log loss (deterministic)."""
    a, b = 1.0, 0.0
    # Label smoothing: with ~50 cases, nearly separable, a plain fit goes to a step function that
    # claims certainty; targets 0.05/0.95 keep the map honest about how little data there is.
    y = y * 0.9 + 0.05
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(a * x + b)))
        a -= lr * float(((p - y) * x).mean())
        b -= lr * float((p - y).mean())
    return a, b


def search_weights(folders: list[str]) -> None:
    """Grid over the similarity stages' weights: top-1 right above the best raw threshold + none abstained."""
    import itertools

    index = get_prepared()
    found = []
    for folder in folders:
        for case in load_cases(Path(folder)):
            found.append((case.label, stage_candidates(parse(case.text), index, vectors=lambda: get_vectors())))
    results = []
    for lex, fuz, sem in itertools.product((0.5, 0.6, 0.75, 0.9), (0.5, 0.7, 0.85), (0.4, 0.55, 0.7)):
        weights = {**DEFAULT_WEIGHTS, "lexical": lex, "fuzzy": fuz, "semantic": sem}
        tops = []
        for label, stages in found:
            ranked = fuse(stages, index.entries, weights, threshold=0.0, calibration=IDENTITY)
            tops.append((ranked[0].score if ranked else 0.0, bool(ranked) and ranked[0].id == label, label == "none"))
        best = max(
            (sum(1 for s, ok, _n in tops if ok and s >= t) + sum(1 for s, _ok, n in tops if n and s < t), t)
            for t in (0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7)
        )
        results.append((best[0], lex, fuz, sem, best[1]))
    for row in sorted(results, reverse=True)[:5]:
        right, lex, fuz, sem, threshold = row
        print(f"right {right}  lexical {lex:.2f} fuzzy {fuz:.2f} semantic {sem:.2f}  raw cut {threshold:.2f}")


def main() -> None:
    if sys.argv[1] == "--weights":
        search_weights(sys.argv[2:])
        return
    x, y = top_scores(sys.argv[1:])
    a, b = fit(x, y)
    print(f"{len(y)} top-1 answers, {int(y.sum())} right")
    print(f"CALIBRATION = ({a:.3f}, {b:.3f})")
    from provenance import expected

    print(f"CALIBRATION_PROVENANCE = {expected('matcher/fuse.py calibration')!r}")
    for raw in (0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0):
        print(f"  raw {raw:.1f} -> {1 / (1 + np.exp(-(a * raw + b))):.3f}")


if __name__ == "__main__":
    main()
