"""The loader reports every problem as ``path:line:col: id: field: message``, all at once."""

from __future__ import annotations

import textwrap
from pathlib import Path

from peft_why.kb.loader import load_entry_file, load_kb

GOOD = """\
id: {id}
title: A test failure
area: training
symptoms:
  - scope: message
    regex: 'frobnicator exploded'
root_cause: The frobnicator was overfed.
fix:
  summary: Feed it less.
examples:
  match:
    - "RuntimeError: frobnicator exploded"
    - "frobnicator exploded again"
    - "my frobnicator exploded"
  no_match:
    - "frobnicator is fine"
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _messages(path: Path) -> list[str]:
    entry, problems = load_entry_file(path)
    assert entry is None
    return [str(p) for p in problems]


def test_good_entry_loads(tmp_path: Path) -> None:
    entry, problems = load_entry_file(_write(tmp_path, "good-one", GOOD.format(id="good-one")))
    assert problems == [] and entry is not None and entry.entry.id == "good-one"


def test_unknown_field_names_line_and_suggests(tmp_path: Path) -> None:
    text = GOOD.format(id="x").replace("root_cause:", "rootcause:")
    path = _write(tmp_path, "x", text)
    assert _messages(path) == [
        f"{path}:1:1: x: root_cause: required field is missing",
        f"{path}:7:1: x: rootcause: unknown field (did you mean 'root_cause'?)",
    ]


def test_bad_regex_points_at_the_pattern(tmp_path: Path) -> None:
    path = _write(tmp_path, "x", GOOD.format(id="x").replace("'frobnicator exploded'", "'frob(nicator'"))
    (message,) = _messages(path)
    assert message.startswith(f"{path}:6:12: x: symptoms[0].regex: does not compile: missing )")


def test_catastrophic_pattern_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "x", GOOD.format(id="x").replace("'frobnicator exploded'", "'(a+)+b'"))
    assert _messages(path) == [
        f"{path}:6:12: x: symptoms[0].regex: nested unbounded quantifiers (like (a+)+) can backtrack catastrophically"
    ]


def test_python_only_syntax_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "x", GOOD.format(id="x").replace("'frobnicator exploded'", "'(?P<n>frob)'"))
    (message,) = _messages(path)
    assert "Python-only named group syntax" in message


def test_id_must_equal_file_stem(tmp_path: Path) -> None:
    path = _write(tmp_path, "other-name", GOOD.format(id="x"))
    assert _messages(path) == [f"{path}:1:5: x: id: must equal the file name stem 'other-name'"]


def test_too_few_examples_and_all_problems_collected(tmp_path: Path) -> None:
    text = (
        GOOD.format(id="x")
        .replace('    - "my frobnicator exploded"\n', "")
        .replace('  no_match:\n    - "frobnicator is fine"\n', "  no_match: []\n")
    )
    path = _write(tmp_path, "x", text)
    assert _messages(path) == [
        f"{path}:12:5: x: examples.match: needs at least 3 texts that rank this entry first, has 2",
        f"{path}:14:13: x: examples.no_match: needs at least 1 near miss that must not rank this entry first",
    ]


def test_wrong_type_and_bad_enum(tmp_path: Path) -> None:
    text = (
        GOOD.format(id="x")
        .replace("area: training", "area: cooking")
        .replace("  summary: Feed it less.", "  summary: [1]")
    )
    path = _write(tmp_path, "x", text)
    messages = _messages(path)
    assert messages[0].startswith(f"{path}:3:7: x: area: Input should be 'loading', 'saving'")
    assert messages[1] == f"{path}:9:12: x: fix.summary: Input should be a valid string"


def test_invalid_yaml_names_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "x", "id: x\ntitle: [unclosed\n")
    (message,) = _messages(path)
    assert message.startswith(f"{path}:3:1: x: -: invalid YAML:")


def test_broken_user_entry_is_skipped_and_good_ones_load(tmp_path: Path) -> None:
    _write(tmp_path, "good-one", GOOD.format(id="good-one"))
    _write(tmp_path, "broken", "id: broken\ntitle: [\n")
    kb = load_kb([tmp_path], include_env=False)
    assert "good-one" in kb and "broken" not in kb
    assert [p.entry_id for p in kb.problems] == ["broken"]
    assert kb.origin("good-one") == str(tmp_path)


def test_user_entry_overrides_builtin_by_id(tmp_path: Path) -> None:
    text = GOOD.format(id="fp16-unscale-amp").replace("A test failure", "My own fp16 entry")
    _write(tmp_path, "fp16-unscale-amp", text)
    kb = load_kb([tmp_path], include_env=False)
    entry = kb.get("fp16-unscale-amp")
    assert entry is not None and entry.title == "My own fp16 entry"


def test_duplicate_ids_in_one_directory(tmp_path: Path) -> None:
    _write(tmp_path, "dup", GOOD.format(id="dup"))
    (tmp_path / "dup.yml").write_text(GOOD.format(id="dup"), encoding="utf-8")
    kb = load_kb([tmp_path], include_env=False)
    assert [p.message for p in kb.problems] == [f"duplicate id, also in {tmp_path / 'dup.yaml'}"]


FAMILY = (
    GOOD.format(id="x")
    .replace(
        "root_cause:",
        "presentations:\n  - observation: outputs look like the base model's\n    lang: en\nroot_cause:",
    )
    .replace("area: training\n", "area: training\nfamily: results-differ\n")
)


def test_new_optional_fields_load_into_the_model(tmp_path: Path) -> None:
    text = FAMILY.replace("root_cause:", "distinguish: the adapter weights are all zero\nroot_cause:")
    text = text.replace("'frobnicator exploded'", "'(?<part>frob\\w*) exploded'")
    text = text.replace("fix:", "finding: '{part} exploded under {package} {seen}'\nfix:")
    text += "messages:\n  - package: peft\n    text: frobnicator exploded\n"
    loaded, problems = load_entry_file(_write(tmp_path, "x", text))
    assert problems == [] and loaded is not None
    entry = loaded.entry
    assert entry.family == "results-differ" and entry.distinguish == "the adapter weights are all zero"
    assert [(p.observation, p.context, p.lang) for p in entry.presentations] == [
        ("outputs look like the base model's", "", "en")
    ]
    assert entry.finding == "{part} exploded under {package} {seen}"
    assert [(m.package, m.text, m.catalogue) for m in entry.messages] == [("peft", "frobnicator exploded", None)]


def test_a_family_member_needs_distinguish(tmp_path: Path) -> None:
    path = _write(tmp_path, "x", FAMILY)
    assert _messages(path) == [
        f"{path}:4:9: x: family: an entry in a family needs distinguish: the observation that tells it apart"
    ]


def test_presentation_lang_is_en_or_zh(tmp_path: Path) -> None:
    text = FAMILY.replace("lang: en", "lang: fr").replace("family: results-differ\n", "")
    (message,) = _messages(_write(tmp_path, "x", text))
    assert ": x: presentations[0].lang: Input should be 'en' or 'zh'" in message


def test_finding_placeholders_must_be_named_groups_or_reserved(tmp_path: Path) -> None:
    text = GOOD.format(id="x").replace("'frobnicator exploded'", "'(?<part>frob\\w*) exploded'")
    text = text.replace("fix:", "finding: '{part} under {seen}, {oops}'\nfix:")
    path = _write(tmp_path, "x", text)
    (message,) = _messages(path)
    assert message == (
        f"{path}:8:10: x: finding: {{oops}} is neither a named group of a symptom regex nor reserved"
        " (known: needed, package, part, seen)"
    )


def test_a_todo_marker_is_a_problem_at_its_line(tmp_path: Path) -> None:
    text = GOOD.format(id="x").replace("Feed it less.", "'TODO: the fix, imperative'")
    path = _write(tmp_path, "x", text)
    assert _messages(path) == [f"{path}:9:12: x: fix.summary: still a TODO: write it"]
