"""``peft-why verify`` worker: load the model, run one check, print the finding as one JSON line.

Run as a script by any Python (``python _worker.py < request.json``), usually the user's own: it
imports this folder as a private package, so it needs only torch, transformers and peft there.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import traceback

MARKER = "PEFT_WHY_FINDING "


def _package() -> str:
    """Import the checks folder as package ``_peft_why_checks`` (whatever installed it, if anything)."""
    name = "_peft_why_checks"
    if name not in sys.modules:
        folder = os.path.dirname(os.path.abspath(__file__))
        spec = importlib.util.spec_from_file_location(
            name, os.path.join(folder, "__init__.py"), submodule_search_locations=[folder]
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return name


def main() -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    request = json.loads(sys.stdin.read())
    package = _package()
    core = importlib.import_module(f"{package}._core")
    runner = importlib.import_module(f"{package}._runner")
    loading = importlib.import_module(f"{package}._loading")
    entry_id = request["entry_id"]
    check = request.get("check") or runner.check_name(entry_id)  # the entry's verify:, resolved by the caller
    try:
        phase = runner.check_phase(check)
        loaded = loading.load(
            request.get("model"), request.get("adapter"), device=request.get("device", "auto"),
            dtype=request.get("dtype", "auto"), trust_remote_code=bool(request.get("trust_remote_code")),
            trainable=phase == core.TRAINING,
        )  # fmt: skip
        result = runner.verify(
            entry_id, loaded.model, check=check, adapter_dir=loaded.adapter_dir, base_dir=loaded.base_dir
        )
        if loaded.notes:
            note = "; ".join([*loaded.notes, result.note] if result.note else loaded.notes)
            result = core.Finding(**{**result.to_dict(), "evidence": tuple(result.evidence), "note": note})
    except loading.LoadError as exc:
        result = core.Finding(entry_id, core.ERROR, f"could not load: {exc}", check=check)
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        message = f"could not load or check: {type(exc).__name__}: {exc}"
        result = core.Finding(entry_id, core.ERROR, message, check=check)
    sys.stdout.write(MARKER + json.dumps(result.to_dict()) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
