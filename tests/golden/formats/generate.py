"""Produce the format samples: one real failure rendered the ways users paste it.

Run from the repository root: ``.venv/bin/python tests/golden/formats/generate.py``.
Writes ``<format>.txt`` next to this file; then bless the expectations with
``UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/matcher/test_parse_golden.py``.

Real renderings: cpython, warnings, exceptiongroup, ipython (InteractiveShell, with
colours), rich (rich.traceback), pytest, torchrun (2 CPU ranks, gloo), logs (logging +
tqdm). Derived from the real cpython sample (marked as such inside the sample):
markdown-post (fences + Chinese prose), html-escaped, windows (paths rewritten).
"""

from __future__ import annotations

import html
import io
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
PY = sys.executable
REPRO = HERE / "repro_target_modules.py"
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1", "PYTHONPATH": str(HERE)}


def run(args: list[str], cwd: Path = ROOT) -> str:
    done = subprocess.run(args, cwd=cwd, env=ENV, capture_output=True, timeout=600)
    # Decoded by hand: text mode would turn tqdm's \r redraws into line breaks.
    return done.stdout.decode("utf-8", "replace") + done.stderr.decode("utf-8", "replace")


def write(name: str, text: str) -> None:
    (HERE / f"{name}.txt").write_text(text, encoding="utf-8", newline="")
    print(f"wrote {name}.txt ({len(text.splitlines())} lines)")


def in_process() -> None:
    """IPython and rich render an exception raised in this process."""
    sys.path.insert(0, str(HERE))
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    shell = InteractiveShell.instance(colors="Linux")
    with capture_output() as captured:
        shell.run_cell("from repro_target_modules import fail\nmodel = None\nfail(model)\n")
    write("ipython", captured.stdout + captured.stderr)

    import repro_target_modules
    from rich.console import Console
    from rich.traceback import Traceback

    try:
        repro_target_modules.fail()
    except Exception:
        console = Console(record=True, width=100, file=io.StringIO(), color_system=None)
        console.print(Traceback(show_locals=False))
        write("rich", console.export_text())


def subprocesses() -> None:
    cpython = run([PY, str(REPRO)])
    write("cpython", cpython)
    write("warnings", run([PY, str(REPRO), "--warn"]))
    group = (
        "import sys; sys.argv=['x']\n"
        "from repro_target_modules import fail\n"
        "try:\n    fail()\nexcept Exception as exc:\n"
        "    raise ExceptionGroup('adapter setup failed', [exc, KeyError('lm_head')])\n"
    )
    write("exceptiongroup", run([PY, "-c", group]))
    with tempfile.TemporaryDirectory() as tmp:
        test = Path(tmp) / "test_adapter.py"
        test.write_text("from repro_target_modules import fail\n\n\ndef test_adapter():\n    fail()\n")
        write("pytest", run([PY, "-m", "pytest", "-p", "no:cacheprovider", str(test)], cwd=Path(tmp)))
    write(
        "torchrun",
        run(
            [
                PY,
                "-m",
                "torch.distributed.run",
                "--nproc-per-node",
                "2",
                "--master-port",
                "29533",
                str(REPRO),
                "--dist",
            ]
        ),
    )
    torchrun_tee()
    logs()
    derived(cpython)


def torchrun_tee() -> None:
    """torchrun teeing both ranks' output with ``[defaultN]:`` prefixes, lines interleaved as they come."""
    args = [PY, "-m", "torch.distributed.run", "--nproc-per-node", "2", "--master-port", "29534", "--tee", "3"]
    write("torchrun-tee", run([*args, str(REPRO), "--dist"]))


def logs() -> None:
    """``logging`` records around a tqdm bar (with its \\r redraws) and ``log.exception``."""
    script = (
        "import logging, sys, time\n"
        "from tqdm import tqdm\n"
        "logging.basicConfig(level=logging.INFO,\n"
        "                    format='%(asctime)s - %(name)s - %(levelname)s - %(message)s')\n"
        "log = logging.getLogger('train')\n"
        "log.info('loading tiny llama')\n"
        "for _ in tqdm(range(5), desc='Preparing', mininterval=0, file=sys.stderr): time.sleep(0.01)\n"
        "from repro_target_modules import fail\n"
        "try:\n    fail()\nexcept Exception:\n    log.exception('adapter setup failed')\n"
    )
    write("logs", run([PY, "-c", script]))


def issue_report() -> None:
    """A GitHub issue body: `transformers env`, `accelerate env` and `pip freeze` output, then the error."""
    bin_dir = Path(PY).parent
    transformers_env = run([str(bin_dir / "transformers"), "env"])
    accelerate_env = run([str(bin_dir / "accelerate"), "env"])
    freeze = run([PY, "-m", "pip", "freeze"])
    wanted = ("peft==", "transformers==", "accelerate==", "torch==", "safetensors==", "huggingface_hub==")
    freeze = "".join(line + "\n" for line in freeze.splitlines() if line.lower().startswith(wanted))
    cpython = (HERE / "cpython.txt").read_text(encoding="utf-8")
    body = (
        "### System Info\n\n" + transformers_env + "\n" + accelerate_env + "\n```\n" + freeze + "```\n\n"
        "### Reproduction\n\n```\n" + cpython + "```\n"
    )
    write("issue-report", body)


def derived(cpython: str) -> None:
    """Wrappings of the real cpython sample that a forum post or a Windows user adds."""
    post = (
        "<!-- derived by generate.py from cpython.txt -->\n"
        "我在用 LoRA 微调 Llama 的时候遇到了这个错误，请问怎么解决？\n\n"
        "````markdown\n```python\nmodel = get_peft_model(model, config)\n```\n\n"
        "报错信息如下：\n\n~~~text\n" + cpython + "~~~\n````\n\n谢谢！\n"
    )
    write("markdown-post", post)
    write(
        "html-escaped",
        "<!-- derived by generate.py from cpython.txt -->\n<pre><code>" + html.escape(cpython) + "</code></pre>\n",
    )
    windows = re.sub(
        r'File "(/[^"]+)"',
        lambda m: (
            'File "C:\\Users\\dev\\'
            + m.group(1).replace("/work/wt-parse/", "").replace(".venv/lib/python3.11", "venv\\Lib").replace("/", "\\")
            + '"'
        ),
        cpython,
    )
    write("windows", "# derived by generate.py from cpython.txt (paths rewritten)\n" + windows)


if __name__ == "__main__":
    which = sys.argv[1:] or ["subprocesses", "in_process"]
    for name in which:
        globals()[name]()
