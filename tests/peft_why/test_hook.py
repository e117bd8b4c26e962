"""The exception hook in real subprocesses: what the user sees under a failing script."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from peft_why import hook
from tests.venvs import throwaway_venv as make_throwaway_venv

from .scripts import (
    DIAGNOSIS,
    ENTRY,
    GPT2_WRONG_TARGETS,
    KNOWN,
    LLAMA_WRONG_TARGETS,
    UNRELATED,
    WARNING_ENTRY,
    clean_env,
    run_python,
    with_install,
)

# The same script with and without the hook: HOOK=1 installs it, so line numbers agree.
Completed = subprocess.CompletedProcess[str]
OPTIONAL_INSTALL = "import os, peft_why\nif os.environ.get('HOOK'):\n    peft_why.install()\n"


def _with_and_without(code: str, tmp_path: Path, env: dict[str, str] | None = None) -> tuple[Completed, Completed]:
    plain = run_python(OPTIONAL_INSTALL + code, tmp_path, env=env)
    hooked = run_python(OPTIONAL_INSTALL + code, tmp_path, env={**(env or {}), "HOOK": "1"})
    return plain, hooked


def test_known_failure_prints_the_original_traceback_then_the_diagnosis(tmp_path: Path) -> None:
    plain, hooked = _with_and_without(KNOWN, tmp_path)
    assert hooked.returncode == plain.returncode == 1
    assert hooked.stdout == plain.stdout == "training step 1\n"
    assert hooked.stderr.startswith(plain.stderr)
    assert plain.stderr.rstrip().endswith("ValueError: Attempting to unscale FP16 gradients.")
    added = hooked.stderr[len(plain.stderr) :]
    assert DIAGNOSIS in added
    assert f"id {ENTRY}" in added and "confidence" in added
    assert "Fix: Keep the trainable parameters in fp32" in added
    assert f"More: peft-why explain {ENTRY}" in added
    assert "\x1b[" not in added  # stderr is a pipe: no colour


def test_a_known_cause_inside_a_wrapper_error_is_found(tmp_path: Path) -> None:
    code = (
        "try:\n    raise ValueError('Attempting to unscale FP16 gradients.')\n"
        "except ValueError as exc:\n    raise RuntimeError('training step 12 failed') from exc\n"
    )
    done = run_python(with_install(code), tmp_path)
    assert done.returncode == 1
    assert done.stderr.index("RuntimeError: training step 12 failed") < done.stderr.index(DIAGNOSIS)
    assert f"id {ENTRY}" in done.stderr


def test_unrelated_error_prints_only_the_traceback(tmp_path: Path) -> None:
    plain, hooked = _with_and_without(UNRELATED, tmp_path)
    assert hooked.returncode == plain.returncode == 1
    assert hooked.stderr == plain.stderr
    assert "KeyError: 'missing'" in hooked.stderr


def test_internal_error_prints_one_line_and_the_original_traceback(tmp_path: Path) -> None:
    broken = "import peft_why.hook\npeft_why.hook._diagnoses = lambda exc, stages: 1 / 0\n"
    plain, hooked = _with_and_without(broken + KNOWN, tmp_path)
    assert hooked.returncode == plain.returncode == 1
    assert hooked.stderr.startswith(plain.stderr)
    added = hooked.stderr[len(plain.stderr) :].strip().splitlines()
    assert added == ["peft-why: internal error (ZeroDivisionError: division by zero); PEFT_WHY=0 turns the hook off"]


def test_the_previous_hook_runs_first_and_install_returns_it(tmp_path: Path) -> None:
    code = (
        "import sys, peft_why\n"
        "def mine(t, e, tb):\n    sys.stderr.write('MY HOOK ' + t.__name__ + '\\n')\n"
        "sys.excepthook = mine\n"
        "assert peft_why.install() is mine\n"
        "assert peft_why.install() is mine  # second call: no-op\n"
    )
    done = run_python(code + KNOWN, tmp_path)
    assert done.returncode == 1
    assert done.stderr.startswith("MY HOOK ValueError\n")
    assert DIAGNOSIS in done.stderr and "Traceback" not in done.stderr


def test_a_failing_previous_hook_still_shows_the_traceback(tmp_path: Path) -> None:
    code = "import sys, peft_why\nsys.excepthook = lambda *a: 1 / 0\npeft_why.install()\n"
    done = run_python(code + KNOWN, tmp_path)
    assert done.returncode == 1
    assert "ValueError: Attempting to unscale FP16 gradients." in done.stderr
    assert "peft-why: the previous exception hook failed (ZeroDivisionError" in done.stderr
    assert DIAGNOSIS in done.stderr


def test_keyboard_interrupt_and_system_exit_pass_untouched(tmp_path: Path) -> None:
    plain, hooked = _with_and_without("raise KeyboardInterrupt\n", tmp_path)
    assert hooked.stderr.rstrip().endswith("KeyboardInterrupt")
    assert (hooked.returncode, hooked.stderr) == (plain.returncode, plain.stderr)
    exited = run_python(with_install("import sys\nsys.exit(3)\n"), tmp_path)
    assert (exited.returncode, exited.stderr) == (3, "")


def test_peft_why_0_turns_the_hook_off(tmp_path: Path) -> None:
    done = run_python(with_install(KNOWN), tmp_path, env={"PEFT_WHY": "0"})
    assert done.returncode == 1 and "Attempting to unscale" in done.stderr
    assert "peft-why" not in done.stderr


def test_uncaught_exception_in_a_thread_is_diagnosed(tmp_path: Path) -> None:
    code = (
        "import threading\n"
        "def step():\n    raise ValueError('Attempting to unscale FP16 gradients.')\n"
        "worker = threading.Thread(target=step, name='worker')\n"
        "worker.start()\nworker.join()\n"
    )
    done = run_python(with_install(code), tmp_path)
    assert done.returncode == 0
    assert "Exception in thread worker" in done.stderr
    assert done.stderr.index("ValueError: Attempting") < done.stderr.index(DIAGNOSIS)


def test_docs_link_and_colour_follow_the_environment(tmp_path: Path) -> None:
    docs = run_python(with_install(KNOWN), tmp_path, env={"PEFT_WHY_DOCS_URL": "https://docs.example/peft-why/"})
    assert f"https://docs.example/peft-why/entries/{ENTRY}/" in docs.stderr
    forced = run_python(with_install(KNOWN), tmp_path, env={"FORCE_COLOR": "1"})
    assert "\x1b[1mpeft-why\x1b[0m" in forced.stderr
    no_color = run_python(with_install(KNOWN), tmp_path, env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert DIAGNOSIS in no_color.stderr and "\x1b[" not in no_color.stderr


def test_distributed_ranks_of_one_job_print_one_diagnosis(tmp_path: Path) -> None:
    # Both ranks are children of this test process (their launcher) and share the rendezvous.
    job = {
        "WORLD_SIZE": "2",
        "MASTER_ADDR": "127.0.0.1",
        "MASTER_PORT": "29500",
        "TORCHELASTIC_RUN_ID": uuid.uuid4().hex,
    }
    first = run_python(with_install(KNOWN), tmp_path, env={**job, "RANK": "1"})
    second = run_python(with_install(KNOWN), tmp_path, env={**job, "RANK": "0"})
    assert DIAGNOSIS in first.stderr
    assert DIAGNOSIS not in second.stderr and "ValueError: Attempting" in second.stderr
    assert first.returncode == second.returncode == 1
    first_lock = Path(hook.lock_path(job, parent=os.getpid()))  # the ranks' parent is this process
    assert first_lock.exists() and first_lock.read_text().endswith("rank 1\n")
    first_lock.unlink()
    job["TORCHELASTIC_RUN_ID"] = uuid.uuid4().hex
    other_job = run_python(with_install(KNOWN), tmp_path, env=job)
    assert DIAGNOSIS in other_job.stderr
    Path(hook.lock_path(job, parent=os.getpid())).unlink()


def test_warnings_are_diagnosed_once_each(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "merge-4bit-rounding.yaml").write_text(WARNING_ENTRY)
    code = (
        "import logging, warnings\n"
        "warnings.simplefilter('always')\n"
        "text = 'Merge lora module to 4-bit linear may get different generations'\n"
        "for _ in range(3):\n"
        "    warnings.warn(text + ' due to rounding errors.')\n"
        "logging.getLogger('peft.tuners').warning(text)\n"
        "warnings.warn('an unrelated warning')\n"
        "print('done')\n"
    )
    done = run_python(with_install(code, "warnings=True"), tmp_path, env={"PEFT_WHY_KB_PATH": str(kb)})
    assert done.returncode == 0 and done.stdout == "done\n"
    assert done.stderr.count("UserWarning: Merge lora module") == 3  # the warnings themselves still show
    # a logged warning with no handler configured still reaches stderr (Python's last resort)
    assert "\nMerge lora module to 4-bit linear may get different generations\n" in done.stderr
    assert done.stderr.count("peft-why — this warning looks like: Merging LoRA into a 4-bit base") == 1
    quiet = run_python(with_install(code), tmp_path, env={"PEFT_WHY_KB_PATH": str(kb)})
    assert "peft-why" not in quiet.stderr


def test_report_option_writes_an_issue_ready_report(tmp_path: Path) -> None:
    code = "token = 'hf_' + 'a' * 30\nraise ValueError(f'Attempting to unscale FP16 gradients. {token}')\n"
    done = run_python(with_install(code, "report=True"), tmp_path)
    line = [x for x in done.stderr.splitlines() if x.startswith("peft-why: issue report written to ")]
    assert len(line) == 1 and done.returncode == 1
    report = Path(line[0].rsplit(" ", 1)[-1])
    try:
        text = report.read_text()
    finally:
        report.unlink()
    assert "### Environment" in text and f"`{ENTRY}`" in text and "### What I tried" in text
    assert "hf_aaaa" not in text and "hf_<redacted>" in text
    assert f"| python | {sys.version_info.major}.{sys.version_info.minor}" in text


@pytest.fixture(scope="module")
def throwaway_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv without pip that sees this .venv's packages (peft_why included) through a .pth line."""
    python, _site = make_throwaway_venv(tmp_path_factory.mktemp("hookvenv"), with_editable=True)
    return python


def test_pth_hook_diagnoses_without_touching_user_code(throwaway_venv: Path, tmp_path: Path) -> None:
    python = str(throwaway_venv)

    def peft_why(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [python, "-m", "peft_why", "hook", *args],
            capture_output=True,
            text=True,
            timeout=120,
            env=clean_env(),
        )

    assert peft_why("status").returncode == 1
    installed = peft_why("install")
    assert installed.returncode == 0, installed.stderr
    pth = Path(installed.stderr.split("installed: ", 1)[1].splitlines()[0])
    assert pth.parent.parent.parent.parent == throwaway_venv.parent.parent  # venv/lib/pythonX.Y/site-packages
    assert peft_why("status").returncode == 0

    diagnosed = run_python(KNOWN, tmp_path, python=python)
    assert diagnosed.returncode == 1 and diagnosed.stdout == "training step 1\n"
    assert diagnosed.stderr.index("ValueError: Attempting") < diagnosed.stderr.index(DIAGNOSIS)
    unrelated = run_python(UNRELATED, tmp_path, python=python)
    assert "peft-why" not in unrelated.stderr and unrelated.returncode == 1
    off = run_python(KNOWN, tmp_path, python=python, env={"PEFT_WHY": "0"})
    assert "peft-why" not in off.stderr and off.returncode == 1
    quiet = subprocess.run([python, "-c", "print('ok')"], capture_output=True, text=True, env=clean_env())
    assert (quiet.stdout, quiet.stderr) == ("ok\n", "")

    # peft-why gone (its packages no longer visible): Python starts silently as before.
    setup = pth.parent / "a_setup_packages.pth"
    saved = setup.read_text()
    setup.unlink()
    try:
        gone = run_python(KNOWN, tmp_path, python=python)
        assert gone.returncode == 1 and "peft-why" not in gone.stderr and "ModuleNotFoundError" not in gone.stderr
    finally:
        setup.write_text(saved)

    assert peft_why("uninstall").returncode == 0 and not pth.exists()
    assert peft_why("status").returncode == 1
    assert "peft-why" not in run_python(KNOWN, tmp_path, python=python).stderr


# -- IPython, in-process ---------------------------------------------------------------------------


@pytest.fixture
def ipython_shell() -> Iterator[Any]:
    interactiveshell = pytest.importorskip("IPython.core.interactiveshell")
    interactiveshell.InteractiveShell.clear_instance()  # another test may have left a coloured singleton
    shell = interactiveshell.InteractiveShell.instance(colors="nocolor")
    try:
        yield shell
    finally:
        shell.run_line_magic("unload_ext", "peft_why")
        interactiveshell.InteractiveShell.clear_instance()


def test_ipython_extension_follows_the_cell_traceback(ipython_shell: Any, capsys: pytest.CaptureFixture[str]) -> None:
    import peft_why.hook

    class_display = type(ipython_shell)._showtraceback
    ipython_shell.run_line_magic("load_ext", "peft_why")
    assert peft_why.hook.is_installed()
    result = ipython_shell.run_cell(
        "def step():\n    raise ValueError('Attempting to unscale FP16 gradients.')\nstep()"
    )
    assert isinstance(result.error_in_exec, ValueError)
    out, err = capsys.readouterr()
    assert "ValueError: Attempting to unscale FP16 gradients." in out  # IPython's own traceback, unchanged
    assert DIAGNOSIS in err and f"id {ENTRY}" in err
    assert sys.last_value is result.error_in_exec  # what %debug reads

    ipython_shell.run_line_magic("tb", "")  # %tb shows the traceback again, and the diagnosis with it
    out, err = capsys.readouterr()
    assert "ValueError: Attempting to unscale FP16 gradients." in out and DIAGNOSIS in err

    ipython_shell.run_cell("{}['missing']")
    out, err = capsys.readouterr()
    assert "KeyError" in out and "peft-why" not in err

    ipython_shell.run_line_magic("unload_ext", "peft_why")
    assert not peft_why.hook.is_installed()
    assert "_showtraceback" not in ipython_shell.__dict__
    assert type(ipython_shell)._showtraceback is class_display
    ipython_shell.run_cell("raise ValueError('Attempting to unscale FP16 gradients.')")
    assert "peft-why" not in capsys.readouterr().err


def test_install_inside_ipython_wraps_the_shell(ipython_shell: Any, capsys: pytest.CaptureFixture[str]) -> None:
    ipython_shell.run_cell("import peft_why\nprevious = peft_why.install()")
    ipython_shell.run_cell("raise ValueError('Attempting to unscale FP16 gradients.')")
    assert DIAGNOSIS in capsys.readouterr().err


# -- live verification (the verification checks on the model found in the failing frames) ---------

FP16_TRAINING = """\
import torch
model = torch.nn.Linear(4, 4).half()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
scaler = torch.amp.GradScaler("cpu")
with torch.autocast("cpu", dtype=torch.float16):
    loss = model(torch.randn(2, 4).half()).float().sum()
scaler.scale(loss).backward()
scaler.step(opt)
"""


def test_verify_runs_the_entrys_check_on_the_live_model(tmp_path: Path) -> None:
    confirmed = run_python(with_install(FP16_TRAINING, "verify=True"), tmp_path)
    assert confirmed.returncode == 1
    assert "Verify (model): confirmed: " in confirmed.stderr.split(DIAGNOSIS, 1)[1]
    fp32 = "import torch\nmodel = torch.nn.Linear(4, 4)\nraise ValueError('Attempting to unscale FP16 gradients.')\n"
    by_env = run_python(with_install(fp32), tmp_path, env={"PEFT_WHY_VERIFY": "1"})
    assert "Verify (model): not-confirmed: " in by_env.stderr.split(DIAGNOSIS, 1)[1]
    assert "Verify" not in run_python(with_install(fp32), tmp_path).stderr


def test_verify_without_a_model_in_the_frames_says_so(tmp_path: Path) -> None:
    done = run_python(with_install(KNOWN, "verify=True"), tmp_path)
    assert "Verify: no model found in the failing frames" in done.stderr.split(DIAGNOSIS, 1)[1]


def test_verify_uses_the_lora_config_in_the_frames_on_gpt2(tmp_path: Path) -> None:
    done = run_python(with_install(GPT2_WRONG_TARGETS, "verify=True"), tmp_path)
    assert done.returncode == 1
    assert done.stderr.rstrip().count("not found in the base model") == 1  # the original traceback, once
    added = done.stderr.split(DIAGNOSIS, 1)[1]
    assert "Verify (model, peft_config): confirmed: 2 target_modules match no module: q_proj, v_proj" in added
    assert "[default] q_proj: 0 modules" in added
    assert "Conv1D (8): c_attn, c_fc, c_proj" in added and "Embedding (2): wpe, wte" in added
    assert "tensor(" not in added and "Parameter containing" not in added


def test_verify_names_the_linear_layers_of_a_llama(tmp_path: Path) -> None:
    done = run_python(with_install(LLAMA_WRONG_TARGETS, "verify=True"), tmp_path)
    added = done.stderr.split(DIAGNOSIS, 1)[1]
    assert "confirmed: 1 target_modules match no module: query_key_value" in added
    assert "Linear (15): down_proj, gate_proj, k_proj, lm_head, o_proj, q_proj, up_proj, v_proj" in added
    verified = added[added.index("confirmed: 1") :]  # the check's own lines (the fix's code above may name Conv1D)
    assert "Embedding (1): embed_tokens" in verified and "Conv1D" not in verified


def test_jupyter_kernel_shows_the_diagnosis_after_the_error(tmp_path: Path) -> None:
    pytest.importorskip("ipykernel")
    manager = pytest.importorskip("jupyter_client.manager")
    kernel, client = manager.start_new_kernel(
        kernel_name="python3", startup_timeout=120, env=clean_env({"NO_COLOR": "1"}), cwd=str(tmp_path)
    )

    def run(code: str) -> list[tuple[str, dict[str, Any]]]:
        msg_id = client.execute(code)
        replies = []
        while True:
            msg = client.get_iopub_msg(timeout=120)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return replies
            replies.append((msg["msg_type"], msg["content"]))

    try:
        run("%load_ext peft_why")
        replies = run("raise ValueError('Attempting to unscale FP16 gradients.')")
        kinds = [kind for kind, _ in replies if kind in ("error", "stream")]
        assert kinds == ["error", "stream"]  # the notebook's own traceback first, then our note
        error, note = replies[-2][1], replies[-1][1]
        assert error["ename"] == "ValueError"
        assert note["name"] == "stderr" and DIAGNOSIS in note["text"] and "\x1b[" not in note["text"]
        assert not [kind for kind, _ in run("{}['missing']") if kind == "stream"]
    finally:
        client.stop_channels()
        kernel.shutdown_kernel(now=True)


def test_the_issues_three_warnings_are_diagnosed_by_the_built_in_kb(tmp_path: Path) -> None:
    code = (
        "import logging, warnings\n"
        "warnings.warn('None of the inputs have requires_grad=True. Gradients will be None')\n"
        "warnings.warn('Merge lora module to 4-bit linear may get different generations due to rounding errors.')\n"
        "logging.getLogger('transformers.modeling_utils').warning(\n"
        "    'Some weights of LlamaForSequenceClassification were not initialized from the model checkpoint at x'\n"
        "    \" and are newly initialized: ['score.weight']\")\n"
    )
    done = run_python(with_install(code, "warnings=True"), tmp_path)
    assert done.returncode == 0
    assert done.stderr.count("peft-why — this warning looks like:") == 3


def test_the_hook_shows_what_the_error_reveals_and_the_fix_code_without_importing_rich(tmp_path: Path) -> None:
    code = with_install(
        "import sys\n"
        "try:\n"
        "    raise ValueError(\"Target modules {'q_proj', 'v_proj'} not found in the base model.\")\n"
        "finally:\n"
        "    import atexit\n"
        "    atexit.register(lambda: print('rich loaded' if 'rich' in sys.modules else 'no rich'))\n"
    )
    done = run_python(code, tmp_path)
    assert done.returncode == 1
    assert "  Finding: target_modules {'q_proj', 'v_proj'} name no module of this base model" in done.stderr
    from peft_why.matcher.diagnose import get_kb

    entry = get_kb()[0].get("target-modules-not-found")
    assert entry is not None
    shown = done.stderr.splitlines()
    code = [line for line in entry.fix.snippet.splitlines() if line.strip()]
    assert code and [line for line in code if "    " + line not in shown] == []  # the fix's code, each line whole
    assert done.stdout.strip() == "no rich"  # the hook stays light: its block is drawn without rich
