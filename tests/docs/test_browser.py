"""The built site in headless Chromium: search, the paste page, every entry page, agreement with the CLI."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest

from peft_why.kb.loader import KnowledgeBase

from ..secret_corpus import CORPUS
from .conftest import ARTIFACTS, SOURCE_PROBE, TARGET_MODULES_QUERY, BrowserRun, all_examples, cli_top

pytestmark = pytest.mark.browser
AGREEMENT_FLOOR = 0.95
SEARCH_MISSES_ALLOWED = 0.25  # of the entries' own error lines, searched as typed


def test_search_box_finds_entry_by_its_error_text(browser: BrowserRun) -> None:
    """The brief's query ranks its entry first; most entries' own error lines find them in the top 3.

    Material's search is lunr with a trailing wildcard on every term and heavy title/tag
    boosts, so a long line full of common words (a path with "adapter" in it) can miss;
    the paste page is the tool for whole pastes. Every miss is listed.
    """
    assert browser.job["searches"], "no entry has an error line to search for"
    misses, tried = [], 0
    for result in browser.seen["searches"]:
        expect = browser.job["search_expect"][result["query"]]
        paths = [urlparse(href).path for href in result["hrefs"]]
        needed = 1 if result["query"] == TARGET_MODULES_QUERY else 3
        tried += needed == 3
        if not any(path.endswith(f"/entries/{expect}/") for path in paths[:needed]):
            got = f"{paths[:3]} ({result['meta']})"
            misses.append(f"{result['query']!r}: expected entries/{expect}/ in the top {needed}, got {got}")
    brief_missed = any(TARGET_MODULES_QUERY in miss for miss in misses)
    assert not brief_missed and len(misses) <= SEARCH_MISSES_ALLOWED * tried, "\n".join(misses)


def test_paste_fragment_shows_the_right_entry_first(browser: BrowserRun) -> None:
    assert browser.job["pastes"], "no entry has a reproduced traceback that the CLI ranks first"
    wrong = [
        f"{paste['expect']}: got {paste['ids']} ({paste['status']})"
        for paste in browser.seen["pastes"]
        if not paste["ids"] or paste["ids"][0] != paste["expect"]
    ]
    assert not wrong, "\n".join(wrong)
    assert all(paste["box"].strip() for paste in browser.seen["pastes"]), "the #q= text did not fill the box"


def test_paste_fragment_is_redacted_like_the_cli_link(browser: BrowserRun) -> None:
    from peft_why.redact import cap_paste, redact_secrets

    # the table and the cap; this machine's user and host names are the CLI's own extra (the page cannot know them)
    assert browser.seen["redacted"] == cap_paste(redact_secrets(browser.job["redactProbe"]))
    assert "alice" not in browser.seen["redacted"] and "hf_AbCd" not in browser.seen["redacted"]
    assert not [case.name for case in CORPUS if case.secret in browser.seen["redacted"]]


def test_a_library_message_no_entry_covers_shows_the_source_block(browser: BrowserRun) -> None:
    """The page shows what ``diagnose_paste`` shows with the browser's stages: the catalogue message, in a
    block labelled as the source's answer, and no curated result."""
    from peft_why.matcher.diagnose import diagnose_paste
    from peft_why.matcher.front_ends import FRONT_ENDS

    expected = diagnose_paste(SOURCE_PROBE["source"], stages=FRONT_ENDS["browser"])
    assert expected.source_answers and not expected.diagnoses, "the probe is no longer a catalogue-only message"
    seen = browser.seen["sourceProbe"]["source"]
    assert seen["sourcesShown"] and seen["sourceIds"] == [f.answer.id for f in expected.source_answers], seen
    assert seen["heading"] == "From the library source — not a curated diagnosis"
    answer = expected.source_answers[0].answer
    for shown in (answer.file, answer.function, answer.condition, f"{answer.first} – {answer.last}", answer.exception):
        assert shown in seen["sourceText"], (shown, seen["sourceText"])
    assert seen["ids"] == [] and seen["catalogueRequests"] == 1, seen


def test_a_paste_a_pattern_settles_never_fetches_the_catalogue(browser: BrowserRun) -> None:
    seen = browser.seen["sourceProbe"]["curated"]
    assert seen["ids"][:1] == ["target-modules-not-found"], seen
    assert seen["catalogueRequests"] == 0 and not seen["sourcesShown"], seen


def test_every_entry_page_renders(browser: BrowserRun, kb: KnowledgeBase) -> None:
    pages = {page["id"]: page for page in browser.seen["entryPages"]}
    assert sorted(pages) == sorted(e.id for e in kb.entries)
    broken = []
    for entry in kb.entries:
        page = pages[entry.id]
        if page["status"] != 200 or page["h1"].strip().rstrip("¶") != entry.title:
            broken.append(f"{entry.id}: HTTP {page['status']}, h1 {page['h1']!r}")
        elif not {"symptom", "why-it-happens", "fix"} <= set(page["sections"]):
            broken.append(f"{entry.id}: sections {page['sections']}")
    assert not broken, "\n".join(broken)


def test_browser_and_cli_rank_the_same_entry_first(browser: BrowserRun, kb: KnowledgeBase) -> None:
    rows = all_examples(kb)
    seen = browser.seen["agreement"]
    assert len(seen) == len(rows)
    disagreements = []
    for (entry_id, kind, text), ranked in zip(rows, seen):
        in_browser = ranked[0][0] if ranked else None
        in_cli = cli_top(text)
        if in_browser != in_cli:
            snippet = " ".join(text.split())[-90:]
            disagreements.append(f"{entry_id} {kind}: cli {in_cli}, browser {in_browser}: …{snippet}")
    agreed = len(rows) - len(disagreements)
    report = f"browser/CLI agreement (regex+lexical) {agreed}/{len(rows)}\n" + "\n".join(disagreements)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "agreement.txt").write_text(report + "\n", encoding="utf-8")
    assert agreed >= AGREEMENT_FLOOR * len(rows), report


def test_huge_paste_finishes_or_times_out_and_the_page_keeps_working(browser: BrowserRun) -> None:
    huge = browser.seen["hugePaste"]
    assert huge["first"] == "ok" or huge["first"].endswith("ran out of time on this paste"), huge
    assert isinstance(huge["after"], list), huge


def test_site_makes_no_outside_requests_and_raises_no_script_errors(browser: BrowserRun) -> None:
    assert browser.seen["external"] == []
    assert browser.seen["pageErrors"] == []


def test_screenshots_of_paste_and_entry_pages_are_written(browser: BrowserRun) -> None:
    names = sorted(Path(p).name for p in browser.seen["screenshots"])
    assert names == ["entry-desktop.png", "entry-phone.png", "paste-desktop.png", "paste-phone.png"]
    for shot in browser.seen["screenshots"]:
        assert Path(shot).stat().st_size > 10_000, f"{shot} looks empty"
