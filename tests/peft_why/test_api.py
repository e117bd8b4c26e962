"""The public API of the root package: lazy names, a side-effect-free import, install()/uninstall()."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import warnings
from collections.abc import Iterator

import pytest

import peft_why
from peft_why import hook


@pytest.fixture
def no_hook() -> Iterator[None]:
    """Each test starts and ends with the hook out and the interpreter's hooks as they were."""
    saved = sys.excepthook, threading.excepthook, warnings.showwarning
    hook.uninstall()
    try:
        yield
    finally:
        hook.uninstall()
        sys.excepthook, threading.excepthook, warnings.showwarning = saved


def test_import_changes_no_global_state_and_loads_nothing_heavy() -> None:
    probe = (
        "import json, sys, threading, warnings\n"
        "before = set(sys.modules)\n"
        "hooks = (sys.excepthook, threading.excepthook, warnings.showwarning, list(sys.meta_path))\n"
        "import peft_why\n"
        "after = (sys.excepthook, threading.excepthook, warnings.showwarning, list(sys.meta_path))\n"
        "print(json.dumps({'same': hooks == after, 'new': sorted(set(sys.modules) - before)}))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    found = json.loads(done.stdout)
    assert found["same"]
    # typing comes from the package's annotations; the matcher, pydantic, yaml, click, rich wait until asked
    assert {name for name in found["new"] if name.split(".")[0] not in ("typing", "_typing", "collections")} == {
        "peft_why"
    }


def test_public_names_resolve_lazily() -> None:
    assert peft_why.install is hook.install and peft_why.uninstall is hook.uninstall
    from peft_why.ipython import load_ipython_extension, unload_ipython_extension

    assert peft_why.load_ipython_extension is load_ipython_extension  # what %load_ext peft_why looks up
    assert peft_why.unload_ipython_extension is unload_ipython_extension
    assert {"install", "uninstall", "load_ipython_extension"} <= set(dir(peft_why))


@pytest.mark.usefixtures("no_hook")
def test_install_returns_the_previous_hook_and_a_second_call_is_a_no_op() -> None:
    def previous(*_: object) -> None: ...

    sys.excepthook = previous
    thread_before = threading.excepthook
    assert peft_why.install() is previous
    ours, ours_thread = sys.excepthook, threading.excepthook
    assert ours is not previous and ours_thread is not thread_before
    assert peft_why.install() is previous
    assert (sys.excepthook, threading.excepthook) == (ours, ours_thread)
    assert peft_why.uninstall() is True
    assert sys.excepthook is previous and threading.excepthook is thread_before
    assert peft_why.uninstall() is False


@pytest.mark.usefixtures("no_hook")
def test_uninstall_leaves_a_later_tools_hook_alone() -> None:
    peft_why.install()

    def later(*_: object) -> None: ...

    sys.excepthook = later
    assert peft_why.uninstall() is True
    assert sys.excepthook is later
    assert not hook.is_installed()


@pytest.mark.usefixtures("no_hook")
def test_warnings_hook_is_restored_by_uninstall() -> None:
    before = warnings.showwarning
    peft_why.install(warnings=True)
    assert warnings.showwarning is not before
    peft_why.uninstall()
    assert warnings.showwarning is before
    import logging

    assert not any(type(h).__name__ == "_Handler" for h in logging.getLogger("peft").handlers)


def test_uninstalled_hook_only_passes_exceptions_through(capsys: pytest.CaptureFixture[str]) -> None:
    seen: list[str] = []
    stale = hook._Hook(
        lambda t, e, tb: seen.append(t.__name__),
        threading.__excepthook__,
        verify=None,
        report=False,
        stages=hook.DEFAULT_STAGES,
    )
    stale.active = False
    stale(ValueError, ValueError("Attempting to unscale FP16 gradients."), None)
    assert seen == ["ValueError"] and capsys.readouterr().err == ""


def test_format_diagnosis_shows_the_close_runner_up_only() -> None:
    from peft_why.matcher.types import Diagnosis

    best = Diagnosis("fp16-unscale-amp", "Best", 0.9, "high")
    close = Diagnosis("other-entry", "Close one", 0.85, "high")
    far = Diagnosis("far-entry", "Far one", 0.5, "low")
    text = hook.format_diagnosis([best, close])
    assert "Runner-up: Close one (other-entry, 0.85)" in text
    assert "Runner-up" not in hook.format_diagnosis([best, far])


def test_job_key_is_shared_by_ranks_and_differs_between_jobs() -> None:
    one = {"WORLD_SIZE": "4", "MASTER_ADDR": "10.0.0.1", "MASTER_PORT": "29500", "TORCHELASTIC_RUN_ID": "a"}
    assert hook.is_distributed(one) and not hook.is_distributed({}) and not hook.is_distributed({"WORLD_SIZE": "1"})
    assert hook.job_key({**one, "RANK": "0"}) == hook.job_key({**one, "RANK": "3"})
    assert hook.job_key(one) != hook.job_key({**one, "TORCHELASTIC_RUN_ID": "b"})
