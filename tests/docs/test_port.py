"""The paste page's JavaScript parse (matcher.worker.js under Node) reads pastes as matcher/parse.py does.

Checked on every KB example, the parser's golden format samples and a few hostile strings.

Cheaper and more precise than the browser agreement test: when parse.py changes, this
names the field that drifted (exception chain, warnings, masking, key texts).
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from peft_why.kb.loader import KnowledgeBase
from peft_why.matcher.index import key_texts
from peft_why.matcher.parse import parse

from .conftest import ROOT, all_examples

HOSTILE = [
    "\x1b[31mValueError\x1b[0m: x &amp; y &#39;z&#39;",
    "第1步报错 0xdeadbeef 2024-01-01 12:00:00 ValueError: 'q_proj' in 'model.layers.0'",
    "[rank0]: RuntimeError: 'foo bar' /home/bob/x.py torch.Size([0]) torch.Size([3, 4])",
    "E   KeyError: 'base_model.model.transformer.h.0.attn.q_proj'",
    "```python\nTypeError: f() got an unexpected keyword argument 'use_dora'\n```",
    "loss\r10%\r100%\n/x/y.py:12: UserWarning: foo bar",
    "2024-01-01 12:00:00 WARNING transformers.modeling_utils: Some weights of X were not initialized",
]


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_javascript_parse_matches_python_on_kb_examples(kb: KnowledgeBase) -> None:
    golden = sorted((ROOT / "tests" / "golden" / "formats").glob("*.txt"))  # the parser's own format samples
    texts = [text for _id, _kind, text in all_examples(kb)] + HOSTILE + [p.read_text(encoding="utf-8") for p in golden]
    done = subprocess.run(
        ["node", str(ROOT / "tests" / "docs" / "port_check.js")],
        input=json.dumps({"kb": None, "texts": texts}),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    drift = []
    for text, seen in zip(texts, json.loads(done.stdout)):
        trace = parse(text)
        expected = {
            "exceptions": [[b.type, b.message, b.line] for b in trace.exceptions],
            "warnings": [[w.category, w.message, w.line] for w in trace.warnings],
            "normalised": trace.normalised,
            "key_texts": key_texts(trace),
        }
        drift += [
            f"{field}: python {expected[field]!r} js {seen[field]!r}"
            for field in expected
            if expected[field] != seen[field]
        ]
    assert not drift, "\n".join(drift)
