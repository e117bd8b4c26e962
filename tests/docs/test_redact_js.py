"""The paste page's redactor (docs/paste/redact.js + the table the docs hook exports) masks like Python.

The JS keeps only the loop; the patterns come from ``peft_why.redact.RULES`` through the
hook's ``paste/redactions.js``. Run under Node on the secrets corpus, the near misses and
a long paste, it must give exactly :func:`peft_why.redact.redact_secrets` plus the cap
(the browser cannot know this machine's user and host names, so those are Python-only).
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path

from peft_why.redact import cap_paste, redact_secrets

from ..secret_corpus import CORPUS, KEEP, LONG_RUNS, paste_with_every_secret
from .conftest import ROOT, needs_node

LONG = "".join(f"  frame line {n}\n" for n in range(2000)) + "ValueError: the end " + CORPUS[0].text


def _hook_table_script(tmp_path: Path) -> Path:
    """``paste/redactions.js`` exactly as ``mkdocs build`` writes it."""
    spec = importlib.util.spec_from_file_location("kb_site_hook", ROOT / "docs" / "hooks" / "kb_site.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "redactions.js"
    out.write_text(module.redactions_script(), encoding="utf-8")
    return out


def _python_side(text: str) -> str:
    return cap_paste(redact_secrets(text))


@needs_node
def test_javascript_redacts_the_corpus_exactly_like_python(tmp_path: Path) -> None:
    texts = [case.text for case in CORPUS] + list(KEEP) + [paste_with_every_secret(), LONG, *LONG_RUNS]
    job = {"table": str(_hook_table_script(tmp_path)), "texts": texts}
    done = subprocess.run(
        ["node", str(ROOT / "tests" / "docs" / "redact_check.js")],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        timeout=60,  # a pattern gone quadratic on LONG_RUNS takes minutes in V8
        check=False,
    )
    assert done.returncode == 0, done.stderr
    seen: list[str] = json.loads(done.stdout)
    drift = [f"python {_python_side(t)!r}\n    js {js!r}" for t, js in zip(texts, seen) if js != _python_side(t)]
    assert not drift, "\n".join(drift)
    leaks = [case.name for case, js in zip(CORPUS, seen) if case.secret in js]
    assert not leaks, f"the page keeps: {leaks}"
