"""The paste page's JavaScript matcher (matcher.worker.js under Node) reads and ranks pastes as Python does.

Checked on every KB example, the parser's golden format samples and a few hostile strings:
the parse (exception chain, warnings, masking, key texts) and the ranking (ids and
calibrated scores of the top 3, against ``diagnose_text(text, stages=["regex", "lexical"])``).

Cheaper and more precise than the browser agreement test: when the Python matcher changes,
this names the field or the paste that drifted.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path
from typing import Any

from peft_why.kb.loader import KnowledgeBase
from peft_why.matcher.diagnose import diagnose_text
from peft_why.matcher.index import key_texts
from peft_why.matcher.parse import parse

from .conftest import ROOT, all_examples, needs_node

HOSTILE = [
    "\x1b[31mValueError\x1b[0m: x &amp; y &#39;z&#39;",
    "第1步报错 0xdeadbeef 2024-01-01 12:00:00 ValueError: 'q_proj' in 'model.layers.0'",
    "[rank0]: RuntimeError: 'foo bar' /home/bob/x.py torch.Size([0]) torch.Size([3, 4])",
    "E   KeyError: 'base_model.model.transformer.h.0.attn.q_proj'",
    "```python\nTypeError: f() got an unexpected keyword argument 'use_dora'\n```",
    "loss\r10%\r100%\n/x/y.py:12: UserWarning: foo bar",
    "2024-01-01 12:00:00 WARNING transformers.modeling_utils: Some weights of X were not initialized",
]


SCORE_TOLERANCE = 1e-9  # Math.exp and math.exp may differ in the last bit


def _texts(kb: KnowledgeBase) -> list[str]:
    golden = sorted((ROOT / "tests" / "golden" / "formats").glob("*.txt"))  # the parser's own format samples
    return [text for _id, _kind, text in all_examples(kb)] + HOSTILE + [p.read_text(encoding="utf-8") for p in golden]


def _port_check(texts: list[str], kb_json: Path | None) -> list[dict[str, Any]]:
    done = subprocess.run(
        ["node", str(ROOT / "tests" / "docs" / "port_check.js")],
        input=json.dumps({"kb": str(kb_json) if kb_json else None, "texts": texts}),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    seen: list[dict[str, Any]] = json.loads(done.stdout)
    return seen


def _browser_export(kb: KnowledgeBase) -> dict[str, Any]:
    """The paste page's ``kb.json``, as the build hook writes it."""
    spec = importlib.util.spec_from_file_location("kb_site_hook", ROOT / "docs" / "hooks" / "kb_site.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    exported: dict[str, Any] = module.browser_export(kb)
    return exported


@needs_node
def test_javascript_ranks_like_python_regex_and_lexical(kb: KnowledgeBase, tmp_path: Path) -> None:
    kb_json = tmp_path / "kb.json"
    kb_json.write_text(json.dumps(_browser_export(kb), ensure_ascii=False), encoding="utf-8")
    texts = _texts(kb)
    drift = []
    for text, seen in zip(texts, _port_check(texts, kb_json)):
        expected = [(d.id, d.score) for d in diagnose_text(text, top=3, stages=["regex", "lexical"])]
        got = [(entry_id, score) for entry_id, score in seen["ranked"]]
        same = [e[0] for e in expected] == [g[0] for g in got] and all(
            abs(e[1] - g[1]) <= SCORE_TOLERANCE for e, g in zip(expected, got)
        )
        if not same:
            drift.append(f"python {expected} js {got}: …{' '.join(text.split())[-90:]!r}")
    assert not drift, f"{len(drift)}/{len(texts)} pastes ranked differently:\n" + "\n".join(drift)


@needs_node
def test_javascript_parse_matches_python_on_kb_examples(kb: KnowledgeBase) -> None:
    texts = _texts(kb)
    drift = []
    for text, seen in zip(texts, _port_check(texts, None)):
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
