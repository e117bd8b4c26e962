"""``peft-why verify`` worker: load the model once, run one or more checks, print each finding as a line.

Run as a script by any Python (``python _worker.py < request.json``), usually the user's own: it
imports this folder as a private package, so it needs only torch, transformers and peft there.

The request names ``entry_ids`` (or one ``entry_id``). The model is loaded once for all of them
(trainable when any check's fault belongs to training; each check then sees the model in its own
phase: ``train()`` for training checks, ``eval()`` for inference ones). Each check gets
``check_seconds`` in a thread; one that raises gives an ``error`` finding, one that hangs is
abandoned with an ``error`` finding, and the next check still runs. A finding is printed (and
flushed) as soon as it exists, so a worker killed by the caller's timeout keeps what it found.
Problems with the inputs are said once each on stderr, as ``peft-why: ...`` lines.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import threading
import traceback
from typing import Any

MARKER = "PEFT_WHY_FINDING "
# Each check's own limit when the request names none (the caller's timeout bounds the whole worker).
CHECK_SECONDS = 120.0


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


def _say(line: str) -> None:
    """One ``peft-why:`` line on stderr (the CLI echoes these), at most one screen line long."""
    line = " ".join(line.split())
    sys.stderr.write(f"peft-why: {line[:300]}\n")
    sys.stderr.flush()


def _emit(finding: Any) -> None:
    sys.stdout.write(MARKER + json.dumps(finding.to_dict()) + "\n")
    sys.stdout.flush()


def main() -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    request = json.loads(sys.stdin.read())
    package = _package()
    core = importlib.import_module(f"{package}._core")
    runner = importlib.import_module(f"{package}._runner")
    loading = importlib.import_module(f"{package}._loading")
    entry_ids = list(request.get("entry_ids") or [request["entry_id"]])
    check_seconds = float(request.get("check_seconds") or CHECK_SECONDS)
    # The check each entry's verify: names, resolved by the caller (this process may not load the KB).
    names = {entry: (request.get("checks") or {}).get(entry) or runner.check_name(entry) for entry in entry_ids}
    phases = {entry: runner.check_phase(names[entry]) for entry in entry_ids}
    context: dict[str, Any] = {}
    model: Any = None
    notes: list[str] = []
    unloaded: str | None = None  # why the model (or adapter) could not be loaded at all
    try:
        loaded = loading.load(
            request.get("model"), request.get("adapter"), device=request.get("device", "auto"),
            dtype=request.get("dtype", "auto"), trust_remote_code=bool(request.get("trust_remote_code")),
            trainable=core.TRAINING in phases.values(),
        )  # fmt: skip
        model, notes = loaded.model, list(loaded.notes)
        context = {"adapter_dir": loaded.adapter_dir, "base_dir": loaded.base_dir}
    except loading.LoadError as exc:
        unloaded = f"could not load: {exc}"
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        unloaded = f"could not load or check: {type(exc).__name__}: {exc}"
    if unloaded is not None:
        _say(unloaded)
        context = _file_context(request)  # the file-level checks may still answer
    for note in notes:
        _say(note)
    initially_training = bool(getattr(model, "training", False))
    for entry in entry_ids:
        name = names[entry]
        if model is not None:
            phase = phases[entry]
            model.train(phase == core.TRAINING if phase else initially_training)
        result = _run_bounded(runner, core, entry, name, model, context, check_seconds)
        if unloaded is not None and result.status == core.NOT_APPLICABLE:
            result = core.Finding(entry, core.ERROR, unloaded, check=name)
        elif notes:
            note = "; ".join([*notes, result.note] if result.note else notes)
            result = core.Finding(**{**result.to_dict(), "evidence": tuple(result.evidence), "note": note})
        if result.status == core.ERROR and unloaded is None:
            _say(f"{entry}: {result.message}")
        _emit(result)
    return 0


def _run_bounded(
    runner: Any, core: Any, entry: str, check: str, model: Any, context: dict[str, Any], seconds: float
) -> Any:
    """``runner.verify`` in a daemon thread, abandoned after ``seconds`` (an ``error`` finding then)."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(runner.verify(entry, model, check=check, **context))
        except Exception as exc:  # verify turns a check's exception into a finding; this is the rest
            outcome.append(
                core.Finding(entry, core.ERROR, f"the check failed: {type(exc).__name__}: {exc}", check=check)
            )

    worker = threading.Thread(target=run, name=f"check-{entry}", daemon=True)
    worker.start()
    worker.join(seconds)
    if not outcome:
        message = f"the check did not finish within {seconds:g} s; skipped"
        return core.Finding(entry, core.ERROR, message, check=check)
    return outcome[0]


def _file_context(request: dict[str, Any]) -> dict[str, Any]:
    """What the file-level checks can read when loading failed: the adapter folder, a base config."""
    context: dict[str, Any] = {}
    adapter = request.get("adapter")
    if adapter and os.path.isfile(os.path.join(os.path.expanduser(adapter), "adapter_config.json")):
        context["adapter_dir"] = os.path.expanduser(adapter)
    model = request.get("model")
    if model and os.path.isfile(os.path.join(os.path.expanduser(model), "config.json")):
        context["base_dir"] = os.path.expanduser(model)
    return context


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # an abandoned check thread must not hold the exit
