"""The version stage: exact versions from the shipped table; demotion, never dropping."""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

from peft_why.matcher.fuse import fuse
from peft_why.matcher.parse import parse
from peft_why.matcher.types import Candidate
from peft_why.matcher.version import load_table, satisfies, version_candidates

from .helpers import make_entry, make_index

USE_DORA = "TypeError: LoraConfig.__init__() got an unexpected keyword argument 'use_dora'"


def _index():  # type: ignore[no-untyped-def]
    return make_index(
        make_entry("outdated-package", "an older release lacks this", generic=True),
        make_entry("old-bug", "a bug fixed in 0.12", fixed_in={"peft": "0.12.0"}),
        make_entry("range-bug", "a bug in a range", affects={"peft": ">=0.6,<0.8"}),
    )


def test_shipped_table_knows_when_lora_fields_appeared() -> None:
    items = load_table()["peft"]["items"]
    assert items["field:LoraConfig.use_dora"]["first"] == "0.9.0"
    assert items["field:LoraConfig.use_dora"]["absent_in"] == "0.8.2"
    assert items["field:LoraConfig.use_rslora"]["first"] == "0.8.0"


def test_outdated_answer_names_the_exact_version() -> None:
    found = version_candidates(parse(f"peft==0.7.1\n{USE_DORA}"), _index(), load_table())
    skew = [c for c in found if c.entry_id == "outdated-package"]
    assert skew and skew[0].detail == "use_dora needs peft >= 0.9.0; the paste shows peft 0.7.1"
    assert skew[0].score == 1.0


def test_outdated_evidence_is_weaker_when_the_version_is_unknown() -> None:
    found = version_candidates(parse(USE_DORA), _index(), load_table())
    assert [(c.entry_id, c.detail) for c in found] == [("outdated-package", "use_dora needs peft >= 0.9.0")]
    assert found[0].score < 1.0


def test_new_enough_release_gives_no_skew_evidence() -> None:
    found = version_candidates(parse(USE_DORA), _index(), load_table(), versions={"peft": "0.10.0"})
    assert all(c.entry_id != "outdated-package" for c in found)


def test_entry_fixed_before_the_users_release_is_demoted_not_dropped() -> None:
    index = _index()
    found = version_candidates(parse("peft 0.14.0\nsomething"), index, load_table())
    demoted = {c.entry_id: c for c in found}
    assert demoted["old-bug"].score < 0 and "fixed in peft 0.12.0" in demoted["old-bug"].detail
    assert demoted["range-bug"].score < 0
    evidence = {"fuzzy": [Candidate("fuzzy", "old-bug", 1.0, "x")], "version": [demoted["old-bug"]]}
    plain = fuse({"fuzzy": evidence["fuzzy"]}, index.entries, threshold=0.0)[0].score
    ranked = fuse(evidence, index.entries, threshold=0.0)
    assert ranked[0].id == "old-bug" and ranked[0].score < plain


def test_satisfies_reads_specifier_ranges() -> None:
    assert satisfies("0.7.1", ">=0.6,<0.8")
    assert not satisfies("0.8.0", ">=0.6,<0.8")
    assert satisfies("0.10.0", ">0.9")


def test_cli_python_option_reads_another_interpreters_versions(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from peft_why.cli.main import cli
    from peft_why.matcher.diagnose import interpreter_versions

    assert interpreter_versions(sys.executable).get("peft") == metadata.version("peft")
    paste = tmp_path / "p.txt"
    paste.write_text(USE_DORA + "\n", encoding="utf-8")
    plain = CliRunner().invoke(cli, ["--json", str(paste)])
    pinned = CliRunner().invoke(cli, ["--json", "--python", sys.executable, str(paste)])
    assert "use_dora needs peft >= 0.9.0" in plain.output
    assert "use_dora needs peft" not in pinned.output  # this interpreter's peft has use_dora
    both = CliRunner().invoke(cli, ["--json", "--python", sys.executable, "--installed", str(paste)])
    assert both.exit_code == 2


def test_a_real_field_newer_than_the_shown_release_is_skew_not_a_misspelt_keyword() -> None:
    index = make_index(
        make_entry("outdated-package", "an older release lacks this", generic=True),
        make_entry("invalid-config-argument", "a keyword the config class does not have"),
    )
    found = {c.entry_id: c for c in version_candidates(parse(f"peft==0.6.2\n{USE_DORA}"), index, load_table())}
    assert found["outdated-package"].score > 0
    assert found["invalid-config-argument"].score < 0 and "later release" in found["invalid-config-argument"].detail
    # unknown version, or a keyword no release has: no demotion (it may well be a typo)
    unknown = version_candidates(parse(USE_DORA), index, load_table())
    assert all(c.entry_id != "invalid-config-argument" for c in unknown)
    typo = "TypeError: LoraConfig.__init__() got an unexpected keyword argument 'target_module'\npeft==0.6.2"
    assert all(c.entry_id != "invalid-config-argument" for c in version_candidates(parse(typo), index, load_table()))


def test_a_keyword_no_release_has_demotes_version_skew() -> None:
    index = make_index(make_entry("outdated-package", "an older release lacks this", generic=True))
    typo = "TypeError: LoraConfig.__init__() got an unexpected keyword argument 'target_module'"
    found = {c.entry_id: c for c in version_candidates(parse(typo), index, load_table())}
    assert found["outdated-package"].score < 0 and "no peft release 0.2.0 to" in found["outdated-package"].detail
    # an inherited field (PeftConfig.task_type) and a real LoraConfig field are fields: no such demotion
    for name in ("task_type", "use_dora"):
        real = f"TypeError: LoraConfig.__init__() got an unexpected keyword argument '{name}'"
        assert all(c.score >= 0 for c in version_candidates(parse(real), index, load_table()))
    # a saved config's unknown keys are most likely from a newer peft: the warning is not read this way
    saved = "UserWarning: Unexpected keyword arguments ['brand_new_option'] for class LoraConfig, these are ignored."
    assert all(c.score >= 0 for c in version_candidates(parse(saved), index, load_table()))
    # a config whose fields the table does not record: cannot tell
    other = "TypeError: IA3Config.__init__() got an unexpected keyword argument 'made_up'"
    assert all(c.score >= 0 for c in version_candidates(parse(other), index, load_table()))


def test_use_dora_on_peft_0_6_2_answers_version_skew_first() -> None:
    from peft_why.matcher.diagnose import diagnose_text

    paste = (
        "Traceback (most recent call last):\n"
        '  File "train.py", line 12, in <module>\n'
        "    config = LoraConfig(r=8, use_dora=True)\n"
        f"{USE_DORA}\n\n$ pip freeze | grep peft\npeft==0.6.2\n"
    )
    best = diagnose_text(paste)[0]
    assert best.id == "outdated-package"
    assert best.finding == "`use_dora` needs peft >= 0.9.0; the paste shows peft 0.6.2"


def test_versions_compare_as_pep_440_wildcards_and_pre_releases_included() -> None:
    from peft_why.matcher.version import version_key

    assert satisfies("0.6.3", "==0.6.*")  # the old numeric compare read 0.6.* as 0.6.0
    assert not satisfies("0.7.0", "==0.6.*")
    assert version_key("0.14.0rc1") < version_key("0.14.0")  # a release candidate is not yet the fix
    assert not satisfies("0.14.0rc1", ">=0.14.0")
    assert version_key("2.1.0+cu118") >= version_key("1.6")


def test_a_release_candidate_of_the_fixing_release_is_not_demoted() -> None:
    index = make_index(make_entry("rc-fixed", "fixed later", fixed_in={"peft": "0.14.0"}))
    assert version_candidates(parse("peft 0.14.0rc1\nsomething"), index, load_table()) == []
    assert [c.entry_id for c in version_candidates(parse("peft 0.14.0\nsomething"), index, load_table())] == [
        "rc-fixed"
    ]
