"""``render_finding``: an entry's finding template filled per paste, or None when a value is missing."""

from __future__ import annotations

import pytest

from peft_why.matcher.finding import RESERVED, placeholders, render_finding


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
