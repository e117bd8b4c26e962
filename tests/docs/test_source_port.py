"""The paste page's source answers (matcher.worker.js under Node) are the CLI's (``matcher/source.py``).

On a seeded sample of one-line pastes of catalogue messages (placeholders filled as
``scripts/build_catalogue.py`` fills them: 120 drawn from the whole catalogue, 30 from the messages
linked to curated entries) and a few multi-line pastes that exercise the lookup's guards (frames of
the message's package or of none, a template shown as a frame's source line, warnings, a log), the
JavaScript lookup finds the same messages in the same order, with the same linked entries, the same
shown/whole verdicts, lines and sites, as ``source_findings``; and the page's reply (ranking and the
shown source answers) equals ``diagnose_paste`` with the browser's stages.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import random
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from peft_why.matcher.catalogue import PLACEHOLDER, load_catalogue
from peft_why.matcher.diagnose import diagnose_paste, get_prepared
from peft_why.matcher.front_ends import FRONT_ENDS
from peft_why.matcher.parse import parse
from peft_why.matcher.source import MIN_SPECIFICITY, names_identifier, source_findings

from .conftest import ROOT, needs_node
from .test_port import SCORE_TOLERANCE

SEED = 15
SAMPLE = 120  # one-line pastes drawn from the whole catalogue
LINKED_SAMPLE = 30  # and from the messages that curated entries are linked to
MAX_BYTES = 2_000_000  # catalogue.json as served (about 1.6 MB today)
MAX_GZIP_BYTES = 500_000  # and as a server compresses it (about 0.4 MB)


def _builder() -> ModuleType:
    """scripts/build_catalogue.py as a module: its sampler fills placeholders with plausible values."""
    spec = importlib.util.spec_from_file_location("build_catalogue", ROOT / "scripts" / "build_catalogue.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_catalogue", module)
    spec.loader.exec_module(module)
    return module


def _multi_line(rng: random.Random) -> list[str]:
    """Pastes that reach the guards: frames, a frame's source line, warnings, a log of several messages."""
    fill = _builder()
    records = sorted(load_catalogue().records, key=lambda r: r["id"])
    short = next(
        r
        for r in records
        if r["p"] == "peft"
        and r["sites"][0][0] == "raise"
        and int(r["lit"]) < MIN_SPECIFICITY
        and not names_identifier(r["t"])
        and r.get("a")
    )
    line = fill.paste_line(short, rng)
    specific = next(r for r in records if r["p"] == "peft" and r["sites"][0][0] == "raise" and int(r["lit"]) > 60)
    specific_line = fill.paste_line(specific, rng)
    warned = next(r for r in records if r["p"] == "peft" and r["sites"][0][0] == "warn")
    logged = [r for r in records if r["sites"][0][0] == "log"][:3]
    head = "Traceback (most recent call last):\n"
    peft_frame = '  File "/opt/venv/lib/python3.11/site-packages/peft/tuners/lora/model.py", line 10, in f\n    x()\n'
    user_frame = '  File "/home/u/train.py", line 3, in <module>\n    main()\n'
    return [
        head + peft_frame + line,  # a generic message stands with a frame of its package
        head + user_frame + line,  # and not without
        head + user_frame + '  File "C:\\env\\Lib\\site-packages\\peft\\mapping.py", line 2, in g\n    y()\n' + line,
        # a traceback cut off under a frame whose source line holds the message: that line is not searched
        head + peft_frame.replace("x()", f'raise ValueError("{fill.fill(specific["t"], rng)}")'),
        # an error line indented under a frame (a re-pasted log) is searched
        head + peft_frame.replace("x()", specific_line),
        f"/opt/venv/lib/python3.11/site-packages/peft/tuners/lora/layer.py:12: {warned['sites'][0][1]}: "
        + fill.fill(warned["t"], rng),
        "\n".join(["step 10 loss 1.2"] + [fill.fill(r["t"], rng) for r in logged] + ["done"]),
        line,
        specific_line.replace(": ", ":\n  ", 1),
    ]


def _texts() -> list[str]:
    fill = _builder()
    book = load_catalogue()
    prepared = get_prepared()
    records = sorted(book.records, key=lambda r: r["id"])
    rng = random.Random(SEED)
    chosen = rng.sample(records, SAMPLE)
    from peft_why.matcher.source import linked_entries

    linked = [r for r in records if linked_entries(r["id"], prepared)]
    chosen += rng.sample(linked, min(LINKED_SAMPLE, len(linked)))
    return [fill.paste_line(record, rng) for record in chosen] + _multi_line(rng)


def _node(job: dict[str, Any]) -> Any:
    done = subprocess.run(
        ["node", str(ROOT / "tests" / "docs" / "source_check.js")],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def kb_json(kb: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from .conftest import kb_site_hook

    path = tmp_path_factory.mktemp("paste-kb") / "kb.json"
    path.write_text(json.dumps(kb_site_hook().browser_export(kb), ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def ported(kb_json: Path, catalogue_json: Path) -> list[tuple[str, dict[str, Any]]]:
    texts = _texts()
    return list(zip(texts, _node({"kb": str(kb_json), "catalogue": str(catalogue_json), "texts": texts})))


def _python(text: str) -> dict[str, Any]:
    findings = source_findings(parse(text), get_prepared())
    return {
        "findings": [[f.answer.id, list(f.linked), f.shown, f.whole, f.answer.line] for f in findings],
        "sites": [[f.answer.exception, f.answer.file, f.answer.function] for f in findings if f.shown],
    }


@needs_node
def test_javascript_finds_the_source_answers_python_finds(ported: list[tuple[str, dict[str, Any]]]) -> None:
    drift = []
    for text, seen in ported:
        expected = _python(text)
        for field in ("findings", "sites"):
            if expected[field] != seen[field]:
                drift.append(f"{field}: python {expected[field]} js {seen[field]}: {' '.join(text.split())[-100:]!r}")
    shown = sum(1 for _text, seen in ported if any(f[2] for f in seen["findings"]))
    linked = sum(1 for _text, seen in ported if any(f[1] for f in seen["findings"] if f[2]))
    hidden = sum(1 for _text, seen in ported if any(not f[2] for f in seen["findings"]))
    print(f"source answers: {len(ported) - len(drift)}/{len(ported)} pastes agree; {shown} shown, {linked} linked")
    assert not drift, f"{len(drift)}/{len(ported)} pastes differ:\n" + "\n".join(drift[:30])
    # the sample reaches every branch: an empty or always-hidden lookup cannot pass
    assert shown >= 0.8 * SAMPLE and linked >= LINKED_SAMPLE // 2 and hidden >= 1, (shown, linked, hidden)


@needs_node
def test_page_reply_is_diagnose_paste_with_the_browser_stages(ported: list[tuple[str, dict[str, Any]]]) -> None:
    drift = []
    for text, seen in ported:
        found = diagnose_paste(text, top=3, stages=FRONT_ENDS["browser"])
        expected = [(d.id, d.score) for d in found.diagnoses]
        got = [(entry_id, score) for entry_id, score in seen["ranked"]]
        same = [e[0] for e in expected] == [g[0] for g in got] and all(
            abs(e[1] - g[1]) <= SCORE_TOLERANCE for e, g in zip(expected, got)
        )
        sources = [[f.answer.id, list(f.linked)] for f in found.source_answers]
        if not same or sources != seen["sources"]:
            drift.append(f"python {expected} {sources} js {got} {seen['sources']}: {' '.join(text.split())[-90:]!r}")
    assert not drift, f"{len(drift)}/{len(ported)} replies differ:\n" + "\n".join(drift[:30])
    assert any(seen["sources"] for _text, seen in ported)


def test_catalogue_export_is_compact_and_complete(catalogue_json: Path) -> None:
    raw = catalogue_json.read_bytes()
    data = json.loads(raw)
    book = load_catalogue()
    assert len(raw) <= MAX_BYTES and len(gzip.compress(raw)) <= MAX_GZIP_BYTES, (len(raw), len(gzip.compress(raw)))
    indexed = {n for numbers in book.index.values() for n in numbers}  # the findable records
    assert [row[0] for row in data["records"]] == [r["id"] for n, r in enumerate(book.records) if n in indexed]
    assert len(data["records"]) == len(book.records)  # every shipped message has an anchor word today
    assert all(PLACEHOLDER not in row[data["fields"].index("re")] for row in data["records"])
