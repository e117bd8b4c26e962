"""Answers from the source: the catalogue path of ``diagnose`` (matcher/source.py).

The recognition test pastes a seeded sample of the shipped catalogue's peft messages (placeholders
filled by the builder's sampler) through ``diagnose_paste``; the agreement test checks entries'
``affects`` / ``fixed_in`` against the releases their linked messages appear in.
"""

from __future__ import annotations

import importlib.util
import random
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from peft_why.matcher.catalogue import PLACEHOLDER, load_catalogue
from peft_why.matcher.diagnose import diagnose_paste, get_kb, get_prepared, with_sources
from peft_why.matcher.source import (
    MIN_SPECIFICITY,
    SourceFinding,
    catalogue_candidates,
    explicit_links,
    linked_entries,
    source_answers,
)
from peft_why.matcher.types import Candidate
from peft_why.matcher.version import version_key

ROOT = Path(__file__).resolve().parents[2]
RECOGNITION_SAMPLE = 200
RECOGNITION_SEED = 2615
RECOGNITION_TARGET = 0.97
SIMILARITY = frozenset({"lexical", "fuzzy", "semantic", "version"})
REGEX_PASTE = "ValueError: Cannot merge LORA layers when the model is loaded in 8-bit mode"
UNLINKED = "UserWarning: `loftq_config` specified but will be ignored when `init_lora_weights` is not 'loftq'."


def builder() -> ModuleType:
    """scripts/build_catalogue.py as a module: its sampler fills placeholders with plausible values."""
    spec = importlib.util.spec_from_file_location("build_catalogue", ROOT / "scripts" / "build_catalogue.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_catalogue", module)
    spec.loader.exec_module(module)
    return module


def test_a_paste_a_pattern_settles_never_loads_the_catalogue() -> None:
    code = (
        "import sys\n"
        "from peft_why.matcher.diagnose import diagnose_paste\n"
        f"found = diagnose_paste({REGEX_PASTE!r}, stages=['regex', 'lexical', 'fuzzy'])\n"
        "assert found.diagnoses[0].id == 'merge-quantized-unsupported', found\n"
        "assert found.source_answers == ()\n"
        "print(sorted(m for m in sys.modules if m.startswith('peft_why.matcher.')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "peft_why.matcher.catalogue" not in done.stdout
    assert "peft_why.matcher.source" not in done.stdout


def test_the_catalogue_path_runs_only_when_no_pattern_fires(monkeypatch: pytest.MonkeyPatch) -> None:
    import peft_why.matcher.source as source

    calls: list[str] = []
    real = source.source_findings
    monkeypatch.setattr(source, "source_findings", lambda *a, **k: calls.append("lookup") or real(*a, **k))
    diagnose_paste(REGEX_PASTE, stages=["regex", "lexical", "fuzzy"])
    assert calls == []
    diagnose_paste(UNLINKED, stages=["regex", "lexical", "fuzzy"])
    assert calls == ["lookup"]


def test_an_unlinked_library_message_abstains_and_carries_the_source_answer() -> None:
    found = diagnose_paste(UNLINKED)
    assert found.diagnoses == ()
    (first,) = found.source_answers
    assert first.answer.file == "peft/tuners/lora/config.py"
    assert first.answer.condition
    assert first.linked == ()


def test_the_version_note_says_whether_the_users_release_has_the_message() -> None:
    old = diagnose_paste(UNLINKED, versions={"peft": "0.10.0"}).source_answers[0]
    assert old.version_note is not None and "added in peft 0.14.0" in old.version_note
    assert diagnose_paste(UNLINKED).source_answers[0].version_note is None  # no version known


def test_a_generic_template_needs_a_frame_of_its_package() -> None:
    bare = "AttributeError: 'LoraModel' object has no attribute 'frobnicate'"
    assert not diagnose_paste(bare).source_answers
    framed = (
        "Traceback (most recent call last):\n"
        '  File "/home/u/.venv/lib/python3.11/site-packages/peft/utils/other.py", line 300, in __getattr__\n'
        "    return getattr(self.modules_to_save, name)\n"
        f"{bare}\n"
    )
    answers = diagnose_paste(framed).source_answers
    assert answers and answers[0].answer.specificity < MIN_SPECIFICITY and answers[0].answer.package == "peft"


def test_a_linked_message_makes_its_entry_the_match_with_catalogue_evidence() -> None:
    _kb, index = get_kb()
    book = load_catalogue()
    answer = book.answer(book.by_id["src:peft:ef6bf022"], line=1)
    finding = SourceFinding(answer, None, linked_entries(answer.id, index))
    assert "target-modules-not-found" in finding.linked
    ranked = with_sources({}, [finding], True, index.entries)
    assert ranked[0].id == "target-modules-not-found"
    assert ranked[0].evidence[0].stage == "catalogue"


def test_similarity_alone_names_no_entry_when_the_library_message_answers_the_error() -> None:
    _kb, index = get_kb()
    book = load_catalogue()
    finding = SourceFinding(book.answer(book.by_id["src:peft:014004ae"], line=1))
    lexical = [Candidate("lexical", "target-modules-not-found", 1.0, "words")]
    assert with_sources({"lexical": lexical}, [finding], True, index.entries) == []
    # a source answer on a line printed on the way (not the error) leaves the similarity stages be
    assert with_sources({"lexical": lexical}, [finding], False, index.entries)[0].id == "target-modules-not-found"
    assert catalogue_candidates([finding]) == []


def test_explicit_links_come_from_messages_catalogue_ids() -> None:
    _kb, index = get_kb()
    links = explicit_links(index)
    assert links["src:peft:ef6bf022"] == ("target-modules-not-found",)


def test_source_answer_lines_point_at_the_paste() -> None:
    from peft_why.matcher.parse import parse

    paste = f"some log line\nanother line\n{UNLINKED}\n"
    assert [a.line for a in source_answers(parse(paste))] == [3]


def test_sampled_peft_messages_get_their_entry_or_their_source_answer_and_never_a_similarity_match() -> None:
    """One-line pastes of 200 seeded peft messages through the production path: >= 97% get a curated
    entry whose pattern fired (or that is linked to the message) or the source answer for that site;
    none is matched (first) to a curated entry from similarity alone. Runners-up under a pattern hit
    are the regex-settled path's, unchanged."""
    fill = builder()
    book = load_catalogue()
    peft = sorted((r for r in book.records if r["p"] == "peft"), key=lambda r: r["id"])
    rng = random.Random(RECOGNITION_SEED)
    misses, similarity_only = [], []
    for chosen in rng.sample(peft, RECOGNITION_SAMPLE):
        paste = fill.paste_line(chosen, rng)
        found = diagnose_paste(paste, stages=["regex", "lexical", "fuzzy", "version"])
        if found.diagnoses and {e.stage for e in found.diagnoses[0].evidence} <= SIMILARITY:
            similarity_only.append((found.diagnoses[0].id, paste[:100]))
        literal = chosen["t"].replace(PLACEHOLDER, "")
        site = [
            f.answer
            for f in found.source_answers
            if f.answer.id == chosen["id"] or f.answer.message.replace(PLACEHOLDER, "") == literal
        ]
        if not (found.diagnoses or site):
            misses.append(paste[:100])
    rate = 1 - len(misses) / RECOGNITION_SAMPLE
    assert not similarity_only, similarity_only
    assert rate >= RECOGNITION_TARGET, f"recognised {rate:.1%}; misses: {misses}"


def _bounds(spec: str) -> list[tuple[str, str]]:
    return re.findall(r"(>=|<=|==|<|>|)\s*(\d[\w.]*)", spec)


def test_affects_and_fixed_in_agree_with_the_releases_of_linked_messages() -> None:
    """An entry's linked library message must exist where the entry says the failure does: one first
    seen before ``affects``' lower bound, at or after its upper bound, or at or after ``fixed_in``
    disagrees (per-minor sampled packages compare by minor)."""
    prepared = get_prepared()  # one bundle: its regex plan and memo serve every record
    index = prepared.index
    book = load_catalogue()
    disagreements = []
    for record in book.records:
        for entry_id in linked_entries(str(record["id"]), prepared):
            entry = index.entries[entry_id]
            package = str(record["p"])
            depth = 2 if book.sampling.get(package) == "per-minor" else 3
            first = version_key(str(record["first"]))
            for op, bound in _bounds(entry.affects.get(package, "")):
                low = op in (">=", ">", "==", "") and first < version_key(bound)
                high = op == "<" and first.release[:depth] >= version_key(bound).release[:depth]
                if low or high:
                    disagreements.append(f"{entry_id}: affects {package} {op}{bound}; {record['id']} from {first}")
            fixed = entry.fixed_in.get(package)
            if fixed and first.release[:depth] >= version_key(fixed).release[:depth]:
                disagreements.append(f"{entry_id}: fixed_in {package} {fixed}; {record['id']} from {first}")
    assert not disagreements, disagreements


def test_a_generic_whole_message_under_foreign_frames_leaves_similarity_be() -> None:
    from peft_why.matcher.parse import parse
    from peft_why.matcher.source import answers_the_error, source_findings

    _kb, index = get_kb()
    line = "AttributeError: 'Linear' object has no attribute 'weight_x'"
    one_line = source_findings(parse(line), index)
    assert one_line and not one_line[0].shown and answers_the_error(one_line, parse(line))
    traced = (
        "Traceback (most recent call last):\n"
        '  File "/home/u/.venv/lib/python3.11/site-packages/torch/nn/modules/module.py", line 1, in __getattr__\n'
        "    raise AttributeError(name)\n"
        f"{line}\n"
    )
    assert source_findings(parse(traced), index) == []


def test_match_json_rows_carry_source_answers_in_the_documented_schema(tmp_path: Path) -> None:
    import json

    import jsonschema
    from click.testing import CliRunner

    from peft_why.cli.main import cli

    paste = tmp_path / "warning.txt"
    paste.write_text(UNLINKED + "\n", encoding="utf-8")
    done = CliRunner().invoke(cli, ["match", "--json", str(paste)])
    assert done.exit_code == 1  # no curated entry: the source answer does not make it "matched"
    row = json.loads(done.output)
    assert row["status"] == "no-match" and row["matches"] == []
    assert row["source_answers"][0]["file"] == "peft/tuners/lora/config.py"
    schema = json.loads((ROOT / "docs" / "schema" / "match-result.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(row, schema)
    text = CliRunner().invoke(cli, ["match", str(paste)])
    assert "From the source, not a curated diagnosis" in text.output and "LoraConfig.__post_init__" in text.output


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_explain_a_source_id(fmt: str) -> None:
    from click.testing import CliRunner

    from peft_why.cli.main import cli

    done = CliRunner().invoke(cli, ["explain", "src:peft:ef6bf022", "--format", fmt])
    assert done.exit_code == 0, done.output
    assert "BaseTuner.inject_adapter" in done.output
    missing = CliRunner().invoke(cli, ["explain", "src:peft:00000000", "--format", fmt])
    assert missing.exit_code == 2 and "no catalogue message" in missing.output and "Traceback" not in missing.output


def test_the_hook_prints_a_short_source_block_when_no_entry_matches(capsys: pytest.CaptureFixture[str]) -> None:
    import peft_why
    import peft_why.hook

    peft_why.install()
    try:
        try:
            raise ValueError(UNLINKED.removeprefix("UserWarning: "))
        except ValueError as exc:
            sys.excepthook(type(exc), exc, exc.__traceback__)
    finally:
        peft_why.uninstall()
    assert not peft_why.hook.is_installed()
    err = capsys.readouterr().err
    block = err[err.index("from the source, not a curated diagnosis") :]
    assert "LoraConfig.__post_init__" in block and "peft-why explain src:peft:014004ae" in block
    assert len(block.strip().splitlines()) <= 4
