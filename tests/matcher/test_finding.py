"""``render_finding``: an entry's finding template filled per paste, or None when a value is missing."""

from __future__ import annotations

import pytest

from peft_why.matcher.diagnose import diagnose_text
from peft_why.matcher.finding import MAX_VALUE, RESERVED, finding_for, placeholders, render_finding
from peft_why.matcher.types import Candidate, Diagnosis


def test_renders_named_groups_and_reserved_version_names() -> None:
    template = "{package} {seen} lacks {modules}; {needed} has it"
    groups = {"modules": "{'q_proj'}"}
    versions = {"package": "peft", "seen": "0.6.0", "needed": ">=0.7"}
    assert render_finding(template, groups, versions) == "peft 0.6.0 lacks {'q_proj'}; >=0.7 has it"


def test_a_placeholder_without_a_value_gives_none() -> None:
    assert render_finding("layers {modules} missing", {}) is None
    assert render_finding("layers {modules} missing", {"modules": None}) is None  # an unmatched optional group
    assert render_finding("layers {modules} missing", {"modules": ""}) is None
    assert render_finding("{package} is old", {"modules": "x"}, {"seen": "1.0"}) is None


def test_a_regex_group_wins_over_a_reserved_value_of_the_same_name() -> None:
    assert render_finding("{package}", {"package": "trl"}, {"package": "peft"}) == "trl"


def test_format_specs_apply_and_a_malformed_template_gives_none() -> None:
    assert render_finding("[{name:>5}]", {"name": "ab"}) == "[   ab]"
    assert render_finding("{name", {"name": "ab"}) is None
    assert render_finding("{name.attr}", {"name": "ab"}) is None


def test_placeholders_lists_plain_names_once_in_order() -> None:
    assert placeholders("{b} {a} {b} {{literal}}") == ("b", "a")
    assert {"package", "needed", "seen"} == RESERVED


@pytest.mark.parametrize("template", ["{0}", "{a.b}", "{a[0]}", "{}"])
def test_placeholders_refuses_fields_that_are_not_plain_names(template: str) -> None:
    with pytest.raises(ValueError, match="not a plain name"):
        placeholders(template)


def _regex(entry: str, **groups: str) -> Candidate:
    return Candidate("regex", entry, 1.0, "pattern matched", 3, values=tuple(groups.items()))


def _version(score: float, detail: str, **values: str) -> Candidate:
    return Candidate("version", "outdated-package", score, detail, values=tuple(values.items()))


def test_finding_for_fills_the_template_from_the_regex_groups_and_the_version_evidence() -> None:
    candidates = [
        _regex("outdated-package", name="use_dora"),
        _version(
            1.0,
            "use_dora needs peft >= 0.9.0; the paste shows peft 0.6.2",
            package="peft",
            needed=">= 0.9.0",
            seen="0.6.2",
        ),
    ]
    template = "`{name}` needs {package} {needed}; the paste shows {package} {seen}"
    assert finding_for(template, candidates) == "`use_dora` needs peft >= 0.9.0; the paste shows peft 0.6.2"


def test_finding_for_falls_back_to_the_version_line_without_a_template_or_a_value() -> None:
    line = "use_dora needs peft >= 0.9.0; the paste shows peft 0.6.2"
    candidates = [_regex("outdated-package"), _version(1.0, line, package="peft", needed=">= 0.9.0", seen="0.6.2")]
    assert finding_for(None, candidates) == line
    assert finding_for("`{name}` is unknown", candidates) == line  # the paste shows no name
    assert finding_for("`{name}` is unknown", [_regex("outdated-package")]) is None
    assert finding_for(None, []) is None


def test_finding_for_takes_no_versions_from_negative_evidence() -> None:
    demoted = _version(-1.0, "fixed in peft 0.7.0; the paste shows peft 0.8.0 (demoted)", package="peft", seen="0.8.0")
    assert finding_for("{package} {seen} is too old", [demoted]) == demoted.detail


def test_finding_for_keeps_a_captured_value_on_one_short_line() -> None:
    repr_ = "Sequential(\n  (0): Linear(in_features=8, out_features=8)\n" + "  (1): ReLU()\n" * 40 + ")"
    found = finding_for("module {module} cannot be wrapped", [_regex("x", module=repr_)])
    assert found is not None and "\n" not in found
    assert found.startswith("module Sequential( (0): Linear(in_features=8, out_features=8) (1): ReLU()")
    assert len(found) <= len("module  cannot be wrapped") + MAX_VALUE and "…" in found


USE_DORA = (
    "Traceback (most recent call last):\n"
    '  File "train.py", line 12, in <module>\n'
    "    config = LoraConfig(r=8, use_dora=True)\n"
    "TypeError: LoraConfig.__init__() got an unexpected keyword argument 'use_dora'\n"
    "\n$ pip freeze | grep peft\npeft==0.6.2\n"
)


def _by_id(text: str) -> dict[str, Diagnosis]:
    return {d.id: d for d in diagnose_text(text, top=5)}


def test_a_diagnosis_carries_what_the_paste_reveals() -> None:
    found = _by_id(USE_DORA)
    assert found["outdated-package"].finding == "`use_dora` needs peft >= 0.9.0; the paste shows peft 0.6.2"
    assert found["invalid-config-argument"].finding == "LoraConfig in the installed peft has no field `use_dora`"
    found = _by_id("ValueError: Target modules {'q_proj', 'v_proj'} not found in the base model.")
    assert found["target-modules-not-found"].finding == (
        "target_modules {'q_proj', 'v_proj'} name no module of this base model"
    )
    found = _by_id("ValueError: Can't find 'adapter_config.json' at 'out/checkpoint-500'")
    assert found["adapter-config-not-found"].finding == "there is no adapter_config.json at out/checkpoint-500"


def test_when_the_template_cannot_be_filled_the_version_evidence_is_the_finding() -> None:
    # the warning form names no single keyword for the template's {name}
    warning = "UserWarning: Unexpected keyword arguments ['use_dora'] for class LoraConfig, these are ignored.\n"
    found = _by_id(warning + "peft==0.6.2\n")["outdated-package"]
    assert found.finding == "use_dora needs peft >= 0.9.0; the paste shows peft 0.6.2"
    assert found.to_dict()["finding"] == found.finding and found.to_dict()["distinguish"] is None
