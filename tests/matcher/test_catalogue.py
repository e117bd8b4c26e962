"""The message catalogue: template format, lookup, version verdicts, and recognition of library messages.

The small catalogues here are built in memory from made-up templates; the recognition test samples
the shipped catalogue (kb/data/catalogue.json.gz) with a fixed seed.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import random
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import regex

from peft_why.matcher.catalogue import (
    PLACEHOLDER,
    Catalogue,
    UnknownSourceId,
    anchor_words,
    catalogue_hits,
    load_catalogue,
    message_id,
    render_source,
    source_answer,
    template_regex,
    version_verdict,
)

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "kb" / "data" / "catalogue.json.gz"
SIZE_CAP = 1_500_000
RECOGNITION_SAMPLE = 200
RECOGNITION_SEED = 15
RECOGNITION_TARGET = 0.97


def builder() -> ModuleType:
    """scripts/build_catalogue.py as a module (its sampler fills placeholders)."""
    spec = importlib.util.spec_from_file_location("build_catalogue", ROOT / "scripts" / "build_catalogue.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_catalogue", module)
    spec.loader.exec_module(module)
    return module


def record(package: str, template: str, *, first: str = "0.5.0", last: str = "0.9.0", **site: str) -> dict[str, Any]:
    literal = len(template.replace(PLACEHOLDER, "").replace(" ", ""))
    return {
        "id": message_id(package, template),
        "p": package,
        "t": template,
        "re": template_regex(template),
        "lit": literal,
        "first": first,
        "last": last,
        "sites": [
            [
                site.get("kind", "raise"),
                site.get("exception", "ValueError"),
                site.get("file", "peft/x.py"),
                site.get("function", "f"),
                site.get("condition", ""),
                first,
                last,
            ]
        ],
    }


def small(*records: dict[str, Any]) -> Catalogue:
    header = {"packages": {"peft": {"sampling": "every", "releases": ["0.4.0", "0.5.0", "0.9.0", "0.10.0"]}}}
    return Catalogue(header, list(records))


GENERIC = record("peft", "Target modules {…} not found")
SPECIFIC = record(
    "peft",
    "Target modules {…} not found in the base model. Please check the target modules and try again.",
    exception="NoMatchingPeftModuleError",
    function="BaseTuner.inject_adapter",
    condition="not is_target_modules_in_base_model",
)
WARNING = record("peft", "Already found a `peft_config` attribute in the model.", kind="warn", exception="UserWarning")


# -- template format ---------------------------------------------------------------------------


def test_message_id_is_stable_and_ignores_wrapping() -> None:
    assert message_id("peft", "a  b\nc") == message_id("peft", "a b c")
    assert message_id("peft", "a b c") != message_id("trl", "a b c")
    assert regex.fullmatch(r"src:peft:[0-9a-f]{8}", message_id("peft", "a b c"))


def test_template_regex_escapes_literals_and_bounds_placeholders() -> None:
    pattern = template_regex("Expected (a|b) [x] {…} got $1.5?")
    assert regex.fullmatch(pattern, "Expected (a|b) [x] torch.float16 got $1.5?")
    assert regex.fullmatch(pattern, "Expected  (a|b)\n[x] v got $1.5?")
    assert not regex.fullmatch(pattern, "Expected a [x] v got $1.5?")
    assert not regex.fullmatch(pattern, "Expected (a|b) [x] " + "v" * 501 + " got $1.5?")


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_template_regex_compiles_in_javascript_with_and_without_u_flag() -> None:
    patterns = [template_regex(t) for t in ("a-b {…} c/d", "x{y}z (1) [2] ^$ |*+?", "`r` {…}.{…}")]
    script = (
        "const ps = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "for (const p of ps) { new RegExp(p); new RegExp(p, 'u'); }"
    )
    subprocess.run(["node", "-e", script], input=json.dumps(patterns), text=True, check=True)


# -- lookup --------------------------------------------------------------------------------------


def test_hits_prefer_the_most_specific_template() -> None:
    paste = (
        "Traceback (most recent call last):\n"
        '  File "train.py", line 3, in <module>\n'
        "peft.tuners.tuners_utils.NoMatchingPeftModuleError: Target modules {'q_proj'} not found in the base\n"
        "model. Please check the target modules and try again.\n"
    )
    hits = catalogue_hits(paste, small(GENERIC, SPECIFIC, WARNING))
    assert [h.id for h in hits] == [SPECIFIC["id"]]
    assert hits[0].line == 3
    assert hits[0].function == "BaseTuner.inject_adapter"
    assert hits[0].exception == "NoMatchingPeftModuleError"


def test_hit_names_the_site_whose_exception_the_paste_shows() -> None:
    both = dict(SPECIFIC)
    both["sites"] = [
        ["raise", "ValueError", "peft/a.py", "old_place", "", "0.5.0", "0.9.0"],
        ["raise", "NoMatchingPeftModuleError", "peft/b.py", "new_place", "", "0.8.0", "0.9.0"],
    ]
    line = "Target modules ['x'] not found in the base model. Please check the target modules and try again."
    book = small(both)
    assert catalogue_hits(f"NoMatchingPeftModuleError: {line}", book)[0].function == "new_place"
    assert catalogue_hits(f"ValueError: {line}", book)[0].function == "old_place"
    assert catalogue_hits(line, book)[0].function == "old_place"  # nothing shown: the first (newest) site


def test_source_line_of_a_traceback_frame_is_not_taken_for_the_message() -> None:
    paste = (
        '  File "/site-packages/peft/tuners/tuners_utils.py", line 507, in inject_adapter\n'
        '    raise ValueError(f"Target modules {config.target_modules} not found")\n'
        "ValueError: Target modules ['c_attn'] not found\n"
    )
    hits = catalogue_hits(paste, small(GENERIC))
    assert [(h.id, h.line) for h in hits] == [(GENERIC["id"], 3)]


def test_an_indented_error_line_under_a_frame_is_still_searched() -> None:
    paste = (
        '    File "/site-packages/peft/tuners/tuners_utils.py", line 507, in inject_adapter\n'
        "    ValueError: Target modules ['c_attn'] not found\n"
    )
    assert [h.line for h in catalogue_hits(paste, small(GENERIC))] == [2]


def test_hits_keep_the_generic_template_when_only_it_matches() -> None:
    hits = catalogue_hits(["ValueError: Target modules ['c_attn'] not found"], small(GENERIC, SPECIFIC))
    assert [h.id for h in hits] == [GENERIC["id"]]


def test_hits_report_every_distinct_message_in_a_paste() -> None:
    paste = "UserWarning: Already found a `peft_config` attribute in the model.\nValueError: Target modules x not found"
    hits = catalogue_hits(paste, small(GENERIC, WARNING))
    assert {h.id for h in hits} == {GENERIC["id"], WARNING["id"]}


def test_a_word_glued_to_a_placeholder_is_not_required_whole() -> None:
    glued = record("peft", "Unknown adapter_{…}name given to the model loader")
    hits = catalogue_hits("ValueError: Unknown adapter_foo_name given to the model loader", small(glued))
    assert [h.id for h in hits] == [glued["id"]]


def test_no_hit_when_a_literal_word_is_missing() -> None:
    assert catalogue_hits("ValueError: Target modules x were not located", small(GENERIC, SPECIFIC)) == []


def test_source_answer_caps_long_messages() -> None:
    long = record("peft", "Something failed: " + "word " * 200 + "{…}")
    answer = source_answer(long["id"], small(long))
    assert len(answer.message) == 300 and answer.message.endswith("…")


def test_unknown_id_raises() -> None:
    with pytest.raises(UnknownSourceId):
        source_answer("src:peft:00000000", small(GENERIC))


# -- versions and rendering ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("installed", "has", "words"),
    [
        ("0.7.1", True, "which has this message"),
        ("0.4.0", False, "added in peft 0.5.0 (absent from 0.4.0)"),
        ("0.10.0", False, "removed in peft 0.10.0"),
        ("0.9.5", None, "removed between peft 0.9.0 and 0.10.0"),
        ("0.4.5", None, "added between peft 0.4.0 and 0.5.0"),
        (None, None, "version is unknown"),
    ],
)
def test_version_verdict_says_whether_the_release_has_the_message(
    installed: str | None, has: bool | None, words: str
) -> None:
    book = small(GENERIC)
    verdict = version_verdict(source_answer(GENERIC["id"], book), installed, book)
    assert verdict.has_message is has
    assert words in verdict.text


def test_version_verdict_compares_by_minor_where_one_release_per_minor_was_read() -> None:
    message = record("transformers", "Some message text here", first="4.38.2", last="4.40.1")
    releases = ["4.37.2", "4.38.2", "4.39.3", "4.40.1", "4.41.0"]
    book = Catalogue({"packages": {"transformers": {"sampling": "per-minor", "releases": releases}}}, [message])
    answer = source_answer(message["id"], book)
    assert version_verdict(answer, "4.38.0", book).has_message is True
    assert version_verdict(answer, "4.37.0", book).has_message is False
    assert version_verdict(answer, "4.41.2", book).has_message is False


def test_render_source_names_site_condition_and_releases() -> None:
    book = small(SPECIFIC)
    text = render_source(SPECIFIC["id"], book, installed="0.4.0")
    assert "peft/x.py in BaseTuner.inject_adapter (raises NoMatchingPeftModuleError; 0.5.0 … 0.9.0)" in text
    assert "when: not is_target_modules_in_base_model" in text
    assert "added in peft 0.5.0" in text


# -- the shipped catalogue -------------------------------------------------------------------------


def shipped_document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(gzip.decompress(SHIPPED.read_bytes()))
    return document


def test_shipped_catalogue_is_within_its_size_cap_and_states_its_provenance() -> None:
    assert SHIPPED.stat().st_size <= SIZE_CAP
    header = shipped_document()["header"]
    assert header["size_cap_bytes"] == SIZE_CAP
    assert header["generator"].startswith("build_catalogue")
    for package in ("peft", "transformers", "trl", "accelerate"):
        info = header["packages"][package]
        assert info["releases"] and info["messages"] > 0 and info["sampling"] in {"every", "per-minor"}


def test_shipped_ids_are_unique_and_derived_from_their_template() -> None:
    messages = shipped_document()["messages"]
    assert len({m["id"] for m in messages}) == len(messages)
    for m in messages:
        assert m["id"] == message_id(m["p"], m["t"])
        assert m["re"] == template_regex(m["t"])
    assert [m["a"] for m in messages] == anchor_words([m["t"] for m in messages])


def test_shipped_regexes_compile_in_python_and_javascript() -> None:
    patterns = [m["re"] for m in shipped_document()["messages"]]
    for pattern in random.Random(RECOGNITION_SEED).sample(patterns, 300):  # regex compiles slowly: a sample
        regex.compile(pattern)
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    script = (
        "const ps = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "for (const p of ps) { new RegExp(p); new RegExp(p, 'u'); }"
    )
    subprocess.run(["node", "-e", script], input=json.dumps(patterns), text=True, check=True)


def test_load_catalogue_is_cached() -> None:
    assert load_catalogue() is load_catalogue()
    assert load_catalogue().records


def test_sampled_peft_messages_are_recognised_as_their_site() -> None:
    """One-line pastes of 200 seeded peft messages: >= 97% come back as that template (or one
    with the same literal text, e.g. the same message built in two ways)."""
    fill = builder()
    book = load_catalogue()
    peft = sorted((r for r in book.records if r["p"] == "peft"), key=lambda r: r["id"])
    rng = random.Random(RECOGNITION_SEED)
    sample = rng.sample(peft, RECOGNITION_SAMPLE)
    misses = []
    for chosen in sample:
        hits = catalogue_hits(fill.paste_line(chosen, rng), book)
        literal = chosen["t"].replace(PLACEHOLDER, "")
        if not hits or (hits[0].id != chosen["id"] and hits[0].message.replace(PLACEHOLDER, "") != literal):
            misses.append(chosen["t"][:100])
    rate = 1 - len(misses) / len(sample)
    assert rate >= RECOGNITION_TARGET, f"recognised {rate:.1%}; misses: {misses}"
