"""The strict MkDocs build: a page per entry, the area index, the KB export, no network; KB faults fail it."""

from __future__ import annotations

import importlib.util
import json
import textwrap
from pathlib import Path
from types import ModuleType

from peft_why.cli.explain import entry_markdown
from peft_why.kb.loader import KnowledgeBase
from peft_why.matcher.catalogue import load_catalogue
from peft_why.matcher.diagnose import CATALOGUE_WEIGHT

from .conftest import ROOT, BuiltSite, build_site


def _hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("kb_site_hook", ROOT / "docs" / "hooks" / "kb_site.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_strict_build_has_a_page_at_entries_id_for_every_entry(site: BuiltSite, kb: KnowledgeBase) -> None:
    for entry in kb.entries:
        page = site.path / "entries" / entry.id / "index.html"
        assert page.is_file(), f"no page for {entry.id}"
        html = page.read_text(encoding="utf-8")
        assert f'<p class="kb-meta"><code>{entry.id}</code>' in html
        assert 'id="why-it-happens"' in html and 'id="fix"' in html
    for page in ("index.html", "paste/index.html", "entries/index.html", "schema/index.html"):
        assert (site.path / page).is_file(), page


def test_index_groups_entries_by_area_with_their_ids(site: BuiltSite, kb: KnowledgeBase) -> None:
    html = (site.path / "entries" / "index.html").read_text(encoding="utf-8")
    hook = _hook()
    for area, entries in hook._by_area(kb.entries).items():
        heading = html.index(hook.AREA_TITLES.get(area, area))
        for entry in entries:
            assert html.index(f"<code>{entry.id}</code>", heading) > heading


def test_entry_pages_come_from_the_explain_renderer(kb: KnowledgeBase) -> None:
    hook = _hook()
    for entry in kb.entries:
        assert hook.entry_page(entry).endswith(entry_markdown(entry, for_site=True))


def test_paste_page_export_holds_every_active_entry_and_compiles(site: BuiltSite, kb: KnowledgeBase) -> None:
    export = json.loads((site.path / "paste" / "kb.json").read_text(encoding="utf-8"))
    assert [e["id"] for e in export["entries"]] == [e.id for e in kb.active]
    assert (site.path / "paste" / "matcher.worker.js").is_file()
    if export["lexical"] is not None:
        assert sorted(export["lexical"]["entry_ids"]) == sorted(e.id for e in kb.active)
    assert export["fuse"]["catalogue_weight"] == CATALOGUE_WEIGHT
    catalogue = json.loads((site.path / "paste" / "catalogue.json").read_text(encoding="utf-8"))
    assert len(catalogue["records"]) == len(load_catalogue().records)  # the source answers' data ships too


def test_search_index_boosts_entry_pages_and_splits_code(site: BuiltSite) -> None:
    index = json.loads((site.path / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert "{" in index["config"]["separator"] and "'" in index["config"]["separator"]
    boosted = {doc["location"].split("#")[0] for doc in index["docs"] if doc.get("boost")}
    assert boosted and all(location.startswith("entries/") for location in boosted)


def test_built_site_links_nothing_outside_itself(site: BuiltSite) -> None:
    for page in site.path.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "fonts.googleapis.com" not in html and "fonts.gstatic.com" not in html, page
        assert 'src="http' not in html and '<link rel="stylesheet" href="http' not in html, page


BROKEN_ENTRIES = {
    "unknown-check": "verify: no_such_check_anywhere\n",
    "dangling-successor": "status: retired\nsuperseded_by: no-such-entry\n",
    "too-few-examples": None,
}


def _broken_entry(entry_id: str, extra: str | None) -> str:
    matches = ["ValueError: a", "ValueError: b", "ValueError: c"] if extra is not None else ["ValueError: a"]
    body = f"""\
        id: {entry_id}
        title: A broken entry
        area: training
        symptoms:
          - regex: 'broken entry {entry_id}'
        root_cause: Only here to break the docs build.
        fix:
          summary: Do not ship it.
        examples:
          match: {json.dumps(matches)}
          no_match: ["KeyError: 'x'"]
        """
    return textwrap.dedent(body) + (extra or "")


def test_build_fails_on_kb_problems_and_lists_them_all(tmp_path: Path) -> None:
    kb_dir = tmp_path / "kb"
    kb_dir.mkdir()
    for entry_id, extra in BROKEN_ENTRIES.items():
        (kb_dir / f"{entry_id}.yaml").write_text(_broken_entry(entry_id, extra), encoding="utf-8")
    done = build_site(tmp_path / "site", env={"PEFT_WHY_KB_PATH": str(kb_dir)})
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert "the docs are not built" in output, output
    for expected in (
        "unknown-check: verify: no check named 'no_such_check_anywhere'",
        "dangling-successor: superseded_by: names unknown entry 'no-such-entry'",
        "too-few-examples: examples.match: needs at least 3 texts",
    ):
        assert expected in output, output


def test_paste_page_loads_the_exported_redaction_table_before_its_script(site: BuiltSite) -> None:
    """The page redacts a #q= link with peft_why.redact's table, exported by the hook; never a copy of it."""
    html = (site.path / "paste" / "index.html").read_text(encoding="utf-8")
    order = [html.index(f'src="{name}"') for name in ("redactions.js", "redact.js", "paste.js")]
    assert order == sorted(order)
    table = (site.path / "paste" / "redactions.js").read_text(encoding="utf-8")
    assert table == _hook().redactions_script()
    assert "RegExp(" not in (ROOT / "docs" / "paste" / "paste.js").read_text(encoding="utf-8")
