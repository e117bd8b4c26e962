"""The paste page's JavaScript matcher (matcher.worker.js under Node) reads and ranks pastes as Python does.

The worker holds only loops; its rules arrive in ``kb.json`` from the Python modules
(``docs/hooks/kb_site.browser_rules``). These tests check that split from both sides:
the worker holds no regex literal of its own and uses only rules that the export
provides; every exported pattern finds what its Python original finds; and on every KB
example, alias, golden format sample and a few hostile strings, both implementations
give the same parse (exception chain, frame paths, warnings, masking, key texts, tokens, HTML
unescaping) and the same ranking (ids and calibrated scores of the top 3) with the
browser's declared stages, ``FRONT_ENDS["browser"]``, the catalogue's links included
(``catalogue.json``; the source answers themselves: ``test_source_port.py``).
"""

from __future__ import annotations

import html
import json
import re
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from peft_why.kb.loader import KnowledgeBase
from peft_why.matcher import formats, lexical, normalise, parse, source
from peft_why.matcher.diagnose import diagnose_text
from peft_why.matcher.front_ends import FRONT_ENDS
from peft_why.matcher.index import key_texts
from peft_why.matcher.trace import ExceptionBlock

from ..matcher.helpers import FOLDED_RICH_PANEL, cut_rich_panel
from .conftest import ROOT, all_examples, kb_site_hook, needs_node

WORKER = ROOT / "docs" / "paste" / "matcher.worker.js"
HOSTILE = [
    "\x1b[31mValueError\x1b[0m: x &amp; y &#39;z&#39;",
    "第1步报错 0xdeadbeef 2024-01-01 12:00:00 ValueError: 'q_proj' in 'model.layers.0'",
    "[rank0]: RuntimeError: 'foo bar' /home/bob/x.py torch.Size([0]) torch.Size([3, 4])",
    "E   KeyError: 'base_model.model.transformer.h.0.attn.q_proj'",
    "```python\nTypeError: f() got an unexpected keyword argument 'use_dora'\n```",
    "loss\r10%\r100%\n/x/y.py:12: UserWarning: foo bar",
    "2024-01-01 12:00:00 WARNING transformers.modeling_utils: Some weights of X were not initialized",
    # where JavaScript's defaults differ from Python's: \s (\x1c, \ufeff), . (\u2028), $ before a final \n,
    # HTML entities beyond the common few, a seven-digit code point, an entity without its semicolon
    "ValueError:\ufeffx\u2028y &hellip; &NotEqualTilde; &#1000000; &#128; &ampx &notin; &#x110000;\n",
    "\ufeffKeyError: 'a'\x1c\n  File \"/home/u/x.py\", line 3, in f\u2028g\nÉtatError: é",
    # Markdown bold around an error line, closed on a later line, mid-line, or never
    'Traceback (most recent call last):\n  File "/x/t.py", line 3, in f\n    g()\n**ValueError: a b\nc d**\n',
    "see:\n__KeyError: 'lm_head'__ after loading\n\n**RuntimeError: never closed\n",
]
# The modules whose browser_rules() the page receives (source: the catalogue lookup's, test_source_port.py).
EXPORTING = (normalise, formats, parse, lexical, source)
SCORE_TOLERANCE = 1e-9  # Math.exp and math.exp may differ in the last bit

# Module-level patterns the page does not need, with the reason; any other pattern must be exported.
PYTHON_ONLY = {
    "parse._DEF": "pytest's enclosing def names a frame's function; the page's stages read no frames' functions",
    "parse._CARET": "caret lines under a frame's code; the page keeps no frame code",
    "parse._ENV_VERSION": "versions feed the version stage, which the page does not run",
    "parse._FREEZE": "versions (see _ENV_VERSION)",
    "parse._PIP_LIST": "versions (see _ENV_VERSION)",
    "parse._INLINE_VERSION": "versions (see _ENV_VERSION)",
    "parse._PY_IN_PATH": "versions (see _ENV_VERSION)",
    "parse._MOVED": "versions (see _ENV_VERSION)",
    "parse._MOVED_TO": "versions (see _ENV_VERSION)",
    "lexical._REGEX_ESCAPE": "builds the BM25 documents, which ship already built",
}
# The worker's only regex literals: str methods with no pattern in the Python code (see PY_STR there).
ALLOWED_LITERALS = ["/^\\p{L}$/u", "/^\\p{Uppercase}$/u"]
_NAMES = re.compile(r"\b(?:[RGS]\.(?P<attr>[A-Z_]+)|C\.(?P<const>[A-Z_]+))\b|\bmatch\(\"(?P<call>[A-Z_]+)\"")
_NAME_LISTS = re.compile(r"\[((?:\"[A-Z_]+\", )+\"[A-Z_]+\")\]\.some\(\(name\) => match\(name")


def _hook() -> ModuleType:
    return kb_site_hook()


def _texts(kb: KnowledgeBase) -> list[str]:
    golden = sorted((ROOT / "tests" / "golden" / "formats").glob("*.txt"))  # the parser's own format samples
    aliases = [alias for entry in kb.active for alias in entry.aliases]
    return (
        [text for _id, _kind, text in all_examples(kb)]
        + aliases
        + HOSTILE
        + [p.read_text(encoding="utf-8") for p in golden]
        + [cut_rich_panel((ROOT / "tests" / "golden" / "formats" / "rich.txt").read_text(encoding="utf-8"))]
        + [FOLDED_RICH_PANEL]
    )


def _node(script: str, job: dict[str, Any]) -> Any:
    done = subprocess.run(
        ["node", str(ROOT / "tests" / "docs" / script)],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def kb_json(kb: KnowledgeBase, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The paste page's ``kb.json``, as the build hook writes it."""
    path = tmp_path_factory.mktemp("paste") / "kb.json"
    path.write_text(json.dumps(_hook().browser_export(kb), ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def ported(kb: KnowledgeBase, kb_json: Path, catalogue_json: Path) -> list[tuple[str, dict[str, Any]]]:
    texts = _texts(kb)
    job = {"kb": str(kb_json), "catalogue": str(catalogue_json), "texts": texts}
    return list(zip(texts, _node("port_check.js", job)))


def _module_patterns() -> dict[str, re.Pattern[str]]:
    found = {}
    for module in (normalise, formats, parse, lexical):
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern):
                found[f"{module.__name__.rsplit('.', 1)[-1]}.{name}"] = value
    return found


def test_every_python_pattern_is_exported_or_python_only_with_a_reason() -> None:
    exported = {
        id(value) for module in (normalise, formats, parse, lexical) for value in module.browser_rules().values()
    }
    missing = [
        name for name, value in _module_patterns().items() if id(value) not in exported and name not in PYTHON_ONLY
    ]
    stale = [name for name in PYTHON_ONLY if name not in _module_patterns()]
    assert not missing, f"patterns neither exported to the page nor listed in PYTHON_ONLY: {missing}"
    assert not stale, f"PYTHON_ONLY names patterns that no longer exist: {stale}"


def test_exported_rules_are_the_python_modules_tables(kb_json: Path) -> None:
    """kb.json's rules equal the modules' tables: each pattern translated, each constant as is."""
    hook = _hook()
    rules = json.loads(kb_json.read_text(encoding="utf-8"))["rules"]
    for module in EXPORTING:
        for name, value in module.browser_rules().items():
            if isinstance(value, re.Pattern):
                assert rules["patterns"][name] == hook.js_regex(value), name
            else:
                assert rules["constants"][name] == json.loads(json.dumps(value)), name


def test_worker_holds_no_regex_of_its_own_and_uses_only_exported_rules(kb_json: Path) -> None:
    source = WORKER.read_text(encoding="utf-8")
    assert _regex_literals(source) == ALLOWED_LITERALS
    # useRules (search, replace, match), the KB's symptom patterns, the catalogue's templates (compileTemplate)
    assert source.count("new RegExp(") == 5
    rules = json.loads(kb_json.read_text(encoding="utf-8"))["rules"]
    used_patterns, used_constants = set(), set()
    for found in _NAMES.finditer(source):
        if found.group("const"):
            used_constants.add(found.group("const"))
        else:
            used_patterns.add(found.group("attr") or found.group("call"))
    for found in _NAME_LISTS.finditer(source):
        used_patterns.update(json.loads(f"[{found.group(1)}]"))
    assert used_patterns and used_patterns <= set(rules["patterns"]), used_patterns - set(rules["patterns"])
    assert used_constants and used_constants <= set(rules["constants"]), used_constants - set(rules["constants"])


def _regex_literals(source: str) -> list[str]:
    """Regex literals in a JavaScript source: skips strings, templates and comments; a ``/`` after
    an operator, an opening bracket, a keyword or nothing starts a regex, anywhere else it divides."""
    found: list[str] = []
    index, previous = 0, ""
    while index < len(source):
        char = source[index]
        if source.startswith("//", index):
            index = source.find("\n", index)
            index = len(source) if index < 0 else index
            continue
        if source.startswith("/*", index):
            index = source.index("*/", index) + 2
            continue
        if char in "'\"`":
            index += 1
            while source[index] != char:
                index += 2 if source[index] == "\\" else 1
            index, previous = index + 1, "x"
            continue
        if char == "/" and (
            previous in "(,=:[!&|?{};+-*%<>~^" or re.search(r"\b(?:return|typeof|case)\s*$", source[:index])
        ):
            end, in_class = index + 1, False
            while source[end] != "/" or in_class:
                if source[end] == "\\":
                    end += 1
                elif source[end] == "[":
                    in_class = True
                elif source[end] == "]":
                    in_class = False
                end += 1
            flags = re.match(r"[a-z]*", source[end + 1 :])
            end += 1 + (len(flags.group(0)) if flags else 0)
            found.append(source[index:end])
            index, previous = end, "x"
            continue
        if not char.isspace():
            previous = char
        index += 1
    return found


@needs_node
def test_translated_patterns_find_what_python_finds(kb: KnowledgeBase, kb_json: Path) -> None:
    """Every exported pattern, run by JavaScript on every line and whole text, matches the same span."""
    hook = _hook()
    texts = _texts(kb)
    subjects = sorted({line for text in texts for line in text.split("\n")} | set(texts))
    patterns = {
        name: value
        for module in EXPORTING
        for name, value in module.browser_rules().items()
        if isinstance(value, re.Pattern)
    }
    seen = _node(
        "pattern_check.js", {"patterns": {n: hook.js_regex(p) for n, p in patterns.items()}, "subjects": subjects}
    )
    drift = []
    for name, pattern in patterns.items():
        for subject, got in zip(subjects, seen[name]):
            expected = [[m.start(), m.end()] for m in pattern.finditer(subject)]
            if got != expected:
                drift.append(f"{name}: python {expected} js {got} on {subject[:80]!r}")
    assert not drift, f"{len(drift)} differences:\n" + "\n".join(drift[:40])


@needs_node
def test_javascript_ranks_like_python_with_the_browser_stages(ported: list[tuple[str, dict[str, Any]]]) -> None:
    drift = []
    for text, seen in ported:
        expected = [(d.id, d.score) for d in diagnose_text(text, top=3, stages=FRONT_ENDS["browser"])]
        got = [(entry_id, score) for entry_id, score in seen["ranked"]]
        same = [e[0] for e in expected] == [g[0] for g in got] and all(
            abs(e[1] - g[1]) <= SCORE_TOLERANCE for e, g in zip(expected, got)
        )
        if not same:
            drift.append(f"python {expected} js {got}: …{' '.join(text.split())[-90:]!r}")
    assert not drift, f"{len(drift)}/{len(ported)} pastes ranked differently:\n" + "\n".join(drift)


@needs_node
def test_javascript_parse_matches_python(ported: list[tuple[str, dict[str, Any]]]) -> None:
    drift = []
    for text, seen in ported:
        trace = parse.parse(text)
        blocks = [*trace.exceptions, ExceptionBlock("", "", trace.unfinished_frames)]  # cut frames: a last block
        expected = {
            "exceptions": [[b.type, b.message, b.line] for b in trace.exceptions],
            "warnings": [[w.category, w.message, w.line] for w in trace.warnings],
            "frames": [[f.path for f in block.frames] for block in blocks],
            "normalised": trace.normalised,
            "key_texts": key_texts(trace),
            "tokens": lexical.tokens(text),
            "unescaped": html.unescape(text),
        }
        drift += [
            f"{field}: python {expected[field]!r} js {seen[field]!r}"
            for field in expected
            if expected[field] != seen[field]
        ]
    assert not drift, "\n".join(drift[:40])
