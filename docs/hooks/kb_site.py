"""MkDocs hook: the KB becomes pages, a nav section per area, and the paste page's JSON.

Runs inside ``mkdocs build`` (``hooks:`` in mkdocs.yml). Nothing it generates is
written into ``docs/``: entry pages, the index and ``paste/kb.json`` are virtual
files, so they can never be hand-edited or committed.

The generator is also a check: any KB problem (an unknown ``verify`` check, a
dangling ``superseded_by``, missing examples, a pattern JavaScript cannot
compile) aborts the build, with every problem listed.

The KB is the one ``peft-why`` itself loads: the built-in entries plus any
``PEFT_WHY_KB_PATH`` directories, so a team can build a site for its own entries.
"""

from __future__ import annotations

import json
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort
from mkdocs.structure.files import File, Files

from peft_why.cli.explain import entry_markdown
from peft_why.kb.lint import lint
from peft_why.kb.loader import load_kb
from peft_why.kb.model import Entry, KnowledgeBase
from peft_why.kb.patterns import split_flags
from peft_why.matcher import fuse, regex_stage
from peft_why.matcher.index import build_index

AREA_TITLES = {
    "loading": "Loading models and adapters",
    "saving": "Saving and merging",
    "training": "Training",
    "quantization": "Quantization",
    "generation": "Generation and inference",
    "configuration": "Configuration",
    "environment": "Environment and versions",
}
NAV_PLACEHOLDER = "entries/index.md"
ENTRY_SEARCH_BOOST = 3
_state: dict[str, KnowledgeBase] = {}


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Lint the KB strictly (abort on any problem), then give each area a nav section."""
    report = lint(javascript=True)
    kb = load_kb()
    if report.problems:
        lines = "\n".join(f"  {problem}" for problem in report.problems)
        raise Abort(f"the KB has {len(report.problems)} problem(s); the docs are not built:\n{lines}")
    _state["kb"] = kb
    config.nav = _with_entry_sections(config.nav or [], kb)
    return config


def _with_entry_sections(nav: list[Any], kb: KnowledgeBase) -> list[Any]:
    """Replace the nav item that points at ``entries/index.md`` by a section: index, then areas."""
    out: list[Any] = []
    for item in nav:
        if isinstance(item, dict) and list(item.values()) == [NAV_PLACEHOLDER]:
            title = next(iter(item))
            children: list[Any] = [NAV_PLACEHOLDER]
            for area, entries in _by_area(kb.entries).items():
                children.append({AREA_TITLES.get(area, area): [f"entries/{e.id}.md" for e in entries]})
            out.append({title: children})
        else:
            out.append(item)
    return out


def _by_area(entries: list[Entry]) -> dict[str, list[Entry]]:
    """Entries grouped by area, areas in schema order, entries by title within an area."""
    grouped: dict[str, list[Entry]] = {}
    for area in AREA_TITLES:
        members = sorted((e for e in entries if e.area == area), key=lambda e: (e.is_retired, e.title.lower()))
        if members:
            grouped[area] = members
    for entry in entries:  # an area added to the schema later still gets a section
        if entry.area not in AREA_TITLES:
            grouped.setdefault(entry.area, []).append(entry)
    return grouped


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add the generated pages and the paste page's KB export."""
    kb = _state["kb"]
    for entry in kb.entries:
        files.append(File.generated(config, f"entries/{entry.id}.md", content=entry_page(entry)))
    files.append(File.generated(config, NAV_PLACEHOLDER, content=index_page(kb)))
    files.append(File.generated(config, "paste/kb.json", content=json.dumps(browser_export(kb), ensure_ascii=False)))
    return files


def entry_page(entry: Entry) -> str:
    """Front matter for search and the page title, then the renderer that ``peft-why explain`` uses."""
    # The id as a tag: material weighs tags far above text, and an id names the failure in words.
    front = {"title": entry.title, "tags": [entry.id], "search": {"boost": ENTRY_SEARCH_BOOST}}
    return f"---\n{json.dumps(front, ensure_ascii=False)}\n---\n\n" + entry_markdown(entry, for_site=True)


def index_page(kb: KnowledgeBase) -> str:
    """Every entry, grouped by area, with its id: the page people scan when they do not have a traceback."""
    active = len(kb.active)
    lines = [
        "# Known failures\n",
        f"{active} failure{'' if active == 1 else 's'} that peft-why recognises, grouped by where they happen. "
        "Have a traceback? [Paste it](../paste/index.md) and the site finds the entry for you.\n",
    ]
    for area, entries in _by_area(kb.entries).items():
        lines.append(f"## {AREA_TITLES.get(area, area)}\n")
        lines.append('<div class="kb-index" markdown>\n')
        for entry in entries:
            badge = (
                f' <span class="kb-badge kb-badge--{entry.status}">{entry.status}</span>'
                if entry.status != "stable"
                else ""
            )
            lines.append(f"- [{entry.title}]({entry.id}.md){badge}  \n  `{entry.id}`")
        lines.append("\n</div>\n")
    return "\n".join(lines)


def browser_export(kb: KnowledgeBase) -> dict[str, Any]:
    """What the paste page's matcher needs: patterns, the fusion constants, and the lexical index.

    The lexical index (BM25 postings) is computed here by the Python matcher and
    shipped as is, so the browser scores against exactly the numbers the CLI uses.
    """
    index = build_index(kb.active)
    entries = []
    for entry in kb.active:
        symptoms = []
        for symptom in entry.symptoms:
            flags, body = split_flags(symptom.regex)
            symptoms.append(
                {
                    "scope": symptom.scope,
                    "exception": symptom.exception,
                    "flags": flags,
                    "body": body,
                    # the regex stage's prefilter: the pattern runs only when the paste contains this
                    "literal": regex_stage.required_literal(symptom.regex),
                }
            )
        entries.append(
            {
                "id": entry.id,
                "title": entry.title,
                "area": entry.area,
                "generic": entry.generic,
                "symptoms": symptoms,
            }
        )
    return {
        "version": 1,
        "entries": entries,
        "fuse": {
            "weights": fuse.DEFAULT_WEIGHTS,
            "threshold": fuse.ABSTAIN_BELOW,
            "calibration": list(fuse.CALIBRATION),
            "identity": list(fuse.IDENTITY),
            "high": fuse.HIGH,
            "medium": fuse.MEDIUM,
            "generic_factor": fuse.GENERIC_FACTOR,
            "demoted_factor": fuse.DEMOTED_FACTOR,
        },
        "regex": {
            "exception_hit": regex_stage.EXCEPTION_HIT,
            "line_hit": regex_stage.LINE_HIT,
            "traceback_hit": regex_stage.TRACEBACK_HIT,
        },
        "lexical": _lexical_export(index),
    }


def _lexical_export(index: Any) -> dict[str, Any] | None:
    """The BM25 index, or None while this checkout's matcher has no lexical stage."""
    try:
        from peft_why.matcher import lexical
    except ImportError:
        return None
    built = index.lexical if hasattr(index, "lexical") else lexical.build_lexical_index(lexical.entry_texts(index))
    return {
        "k1": lexical.K1,
        "min_score": lexical.MIN_SCORE,
        "full_weight_tokens": lexical.FULL_WEIGHT_TOKENS,
        "max_doc_chars": _max_doc_chars(),
        "entry_ids": list(built.entry_ids),
        "idf": built.idf,
        "postings": {token: [[n, w] for n, w in plist] for token, plist in built.postings.items()},
    }


def _max_doc_chars() -> int:
    from peft_why.matcher import index as index_module

    return int(index_module.MAX_DOC_CHARS)
