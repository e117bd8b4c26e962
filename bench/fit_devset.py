"""Fit the fusion constants of matcher/fuse.py on the devset's real pastes (``make calibrate``).

The fitter is ``matcher/crossval.py`` (``fit_model``: the similarity stages' weights over
``WEIGHT_GRID``, the Platt map and the abstention line, every KB example kept first above the line),
the same procedure ``peft-why eval --cv`` cross-validates. This prints that cross-validation
(stratified by label, source threads kept whole, 5 folds, seed 0), the fit on every case in
``matcher/fuse.py``'s terms, and the provenance header to paste beside it. Labels: a KB id; ``none``
should abstain; ``tail:<class>`` should abstain or, once ``kb/data/tail-map.yaml`` maps the class to an
entry, rank that entry first (``peft-why eval``'s rule). Nothing here is copied into the KB.

Usage: python bench/fit_devset.py DEVSET_DIR [--json OUT]
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from peft_why.cli.eval_render import render_cv
from peft_why.matcher.crossval import evaluate_cv
from peft_why.matcher.evaluate import load_cases

GENERATOR_VERSION = 2  # bump when what is fitted or how changes (scripts/provenance.py reads it)
SPLIT = "dev027"  # the cases tuned on before the fresh ones arrived (reported apart)


def fuse_constants(fit: dict[str, Any]) -> list[str]:
    """The fit on every case as the lines of matcher/fuse.py it replaces."""
    weights = fit["weights"]
    a, b = fit["calibration"]
    return [
        "DEFAULT_WEIGHTS: " + ", ".join(f'"{s}": {weights[s]}' for s in ("lexical", "fuzzy", "symptom", "semantic")),
        f"CALIBRATION: tuple[float, float] = ({a:.3f}, {b:.3f})",
        f"ABSTAIN_BELOW = {fit['abstain_below']:.2f}",
    ]


def main(argv: Sequence[str]) -> int:
    folder = Path(argv[0])
    options = dict(zip(argv[1::2], argv[2::2]))
    report = evaluate_cv(load_cases(folder), split=SPLIT)
    print("\n".join(render_cv(report)))
    print("\nfitted on all cases, for matcher/fuse.py:")
    print("\n".join(f"  {line}" for line in fuse_constants(report["cv"]["fit_all"])))
    print(f"CALIBRATION_PROVENANCE = {provenance_header()!r}")
    if "--json" in options:
        Path(options["--json"]).write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


def provenance_header() -> dict[str, Any]:
    """The header ``matcher/fuse.py`` carries for these constants (scripts/provenance.py, by path)."""
    import importlib.util

    script = Path(__file__).resolve().parents[1] / "scripts" / "provenance.py"
    spec = importlib.util.spec_from_file_location("provenance", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("provenance", module)
    spec.loader.exec_module(module)
    header: dict[str, Any] = module.expected("matcher/fuse.py calibration")
    return header


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
