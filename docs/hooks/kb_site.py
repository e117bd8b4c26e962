"""MkDocs hook: the KB becomes pages, a nav section per area, and the paste page's JSON.

Runs inside ``mkdocs build`` (``hooks:`` in mkdocs.yml). Nothing it generates is
written into ``docs/``: entry pages, the index, ``paste/kb.json`` (the KB, the BM25 index, and
every rule the paste page's matcher applies: see ``browser_rules`` and ``js_regex``) and
``paste/redactions.js`` (the redactor's table) are virtual
files, so they can never be hand-edited or committed. ``paste/catalogue.json`` (``catalogue_export``)
holds the library messages of the catalogue for the page's source answers; the worker fetches it
only when no curated pattern fires.

The generator is also a check: any KB problem (an unknown ``verify`` check, a
dangling ``superseded_by``, missing examples, a pattern JavaScript cannot
compile) aborts the build, with every problem listed.

The KB is the one ``peft-why`` itself loads: the built-in entries plus any
``PEFT_WHY_KB_PATH`` directories, so a team can build a site for its own entries.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort
from mkdocs.structure.files import File, Files

from peft_why.cli.explain import entry_markdown
from peft_why.kb.lint import lint
from peft_why.kb.loader import load_kb
from peft_why.kb.model import Entry, KnowledgeBase
from peft_why.kb.patterns import split_flags
from peft_why.matcher import catalogue, formats, fuse, lexical, normalise, parse, regex_stage, source
from peft_why.matcher.diagnose import CATALOGUE_WEIGHT
from peft_why.matcher.front_ends import FRONT_ENDS
from peft_why.matcher.index import build_index
from peft_why.matcher.prepared import prepare
from peft_why.matcher.types import EVIDENCE_STAGES
from peft_why.redact import browser_table

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
REDACTIONS_FILE = "paste/redactions.js"
CATALOGUE_FILE = "paste/catalogue.json"
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
    files.append(File.generated(config, REDACTIONS_FILE, content=redactions_script()))
    files.append(File.generated(config, CATALOGUE_FILE, content=catalogue_json(kb)))
    return files


def redactions_script() -> str:
    """``paste/redactions.js``: the redactor's table as data, for the loop in ``docs/paste/redact.js``.

    A script rather than JSON so the page can redact a ``#q=`` link before anything else loads.
    """
    table = json.dumps(browser_table(), ensure_ascii=False, indent=1)
    header = "// Generated by docs/hooks/kb_site.py from peft_why/redact.py: do not edit."
    return f"{header}\nself.peftWhyRedactions = {table};\n"


def entry_page(entry: Entry) -> str:
    """Front matter for search and the page title, then the renderer that ``peft-why explain`` uses."""
    # No tags: material weighs tags far above text, so an id tag ("unsupported-target-module-type") pulled every
    # error line with a common word in it to that page; the error line is a heading of its own instead.
    front = {"title": entry.title, "search": {"boost": ENTRY_SEARCH_BOOST}}
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
    """What the paste page's matcher needs: patterns, the fusion constants, the lexical index, its rules.

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
        "version": 2,  # 2: the rules travel as data ("rules"), with the stage sets
        "entries": entries,
        "fuse": {
            "weights": fuse.DEFAULT_WEIGHTS,
            "threshold": fuse.ABSTAIN_BELOW,
            "companion": fuse.COMPANION_BELOW,
            "calibration": list(fuse.CALIBRATION),
            "identity": list(fuse.IDENTITY),
            "high": fuse.HIGH,
            "medium": fuse.MEDIUM,
            "generic_factor": fuse.GENERIC_FACTOR,
            "demoted_factor": fuse.DEMOTED_FACTOR,
            "catalogue_weight": CATALOGUE_WEIGHT,  # the weight of a catalogue link (matcher.diagnose)
        },
        "regex": {
            "exception_hit": regex_stage.EXCEPTION_HIT,
            "line_hit": regex_stage.LINE_HIT,
            "traceback_hit": regex_stage.TRACEBACK_HIT,
        },
        "lexical": _lexical_export(index),
        "stages": list(EVIDENCE_STAGES),  # fuse's order of stages (ties break by it), catalogue included
        "front_end": list(FRONT_ENDS["browser"]),
        "rules": browser_rules(),
    }


# str.strip() and friends, stated as Python patterns so the page strips the same whitespace (\s is
# str.isspace()'s set once translated; JavaScript's own \s differs in \x1c-\x1f, \x85, \ufeff).
_STR_METHODS: dict[str, re.Pattern[str]] = {"LSTRIP": re.compile(r"^\s+"), "RSTRIP": re.compile(r"\s+\Z")}


def browser_rules() -> dict[str, Any]:
    """The matcher's rules as data: every pattern (translated by ``js_regex``) and constant the worker uses.

    They come from the modules that own them (``browser_rules()`` in normalise, formats,
    parse, lexical); ``docs/paste/matcher.worker.js`` holds only the loops that apply them.
    """
    patterns: dict[str, dict[str, str]] = {}
    constants: dict[str, Any] = {}
    sources: list[Mapping[str, Any]] = [
        normalise.browser_rules(),
        formats.browser_rules(),
        parse.browser_rules(),
        lexical.browser_rules(),
        source.browser_rules(),
        _STR_METHODS,
    ]
    for table in sources:
        for name, value in table.items():
            if name in patterns or name in constants:
                raise ValueError(f"browser rule {name} is defined twice")
            if isinstance(value, re.Pattern):
                patterns[name] = js_regex(value)
            else:
                constants[name] = value
    return {"patterns": patterns, "constants": constants}


# Python's str patterns are Unicode-aware; these classes make \w, \d, \s and \b read the same under JS's u flag.
_JS_WORD = r"\p{L}\p{N}_"
_JS_CLASSES = {
    "d": r"\p{Nd}",
    "w": _JS_WORD,
    "s": r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000",
}
_JS_BOUNDARY = f"(?:(?<=[{_JS_WORD}])(?![{_JS_WORD}])|(?<![{_JS_WORD}])(?=[{_JS_WORD}]))"
_JS_END = r"(?![\s\S])"
_JS_SYNTAX = set("^$\\.*+?()[]{}|/")
_QUANTIFIER = re.compile(r"\{\d+(?:,\d*)?\}")
_SUPPORTED_FLAGS = re.IGNORECASE | re.MULTILINE | re.DOTALL | re.UNICODE


def js_regex(pattern: re.Pattern[str]) -> dict[str, str]:
    r"""Translate a compiled Python pattern to a JavaScript ``RegExp`` (``u`` flag) that matches the same.

    The one place the page's regex dialect is bridged (the worker compiles what this returns).
    What differs, and becomes:

    - ``\d \w \s \b`` (Unicode in Python): explicit classes and lookarounds (``_JS_CLASSES``);
      ``\D \W \S`` negate them outside a class (inside a class they are refused);
    - ``.``: ``[^\n]`` (JavaScript's ``.`` also stops at ``\r``, U+2028, U+2029), ``[\s\S]`` under DOTALL;
    - ``^``/``$`` under MULTILINE: around ``\n`` only; ``$`` without it: at the end or before a final
      ``\n``; ``\A``/``\Z``: the text's ends;
    - ``(?P<n>`` / ``(?P=n)``: ``(?<n>`` / ``\k<n>``; ``\U0001F600``: ``\u{1F600}``;
    - a literal ``{``, ``}`` or ``]`` that Python accepts bare: escaped (the u flag rejects it).

    Anything else Python-only (inline flags, ``\B``, back-references by number, VERBOSE) raises
    ValueError, so the build fails instead of shipping a pattern that reads differently.
    """
    source, flags = pattern.pattern, pattern.flags
    if flags & ~_SUPPORTED_FLAGS:
        raise ValueError(f"{source!r}: flags {flags:#x} have no JavaScript counterpart here")
    multiline, dotall = bool(flags & re.MULTILINE), bool(flags & re.DOTALL)
    out: list[str] = []
    in_class = False
    index = 0
    while index < len(source):
        char = source[index]
        if char == "\\":
            escaped = source[index + 1]
            index += 2
            if escaped.lower() in _JS_CLASSES:
                body = _JS_CLASSES[escaped.lower()]
                if escaped.islower():
                    out.append(body if in_class else f"[{body}]")
                elif in_class:
                    raise ValueError(f"{source!r}: \\{escaped} inside a class is not translated")
                else:
                    out.append(f"[^{body}]")
            elif escaped == "b":
                out.append(r"\x08" if in_class else _JS_BOUNDARY)
            elif escaped in "AZ" and not in_class:
                out.append(r"(?<![\s\S])" if escaped == "A" else _JS_END)
            elif escaped == "U":
                out.append("\\u{" + source[index : index + 8].lstrip("0") + "}")
                index += 8
            elif escaped in "ntrfvxu0":
                out.append("\\" + escaped)
            elif escaped.isalnum():
                raise ValueError(f"{source!r}: \\{escaped} is not translated")
            elif escaped in _JS_SYNTAX or (escaped == "-" and in_class):
                out.append("\\" + escaped)
            else:
                out.append(escaped)  # an identity escape the u flag rejects: the character itself
            continue
        if in_class:
            if char == "]":
                in_class = False
            out.append(char)
            index += 1
            continue
        if char == "[":
            in_class = True
            start = index + (2 if source.startswith("[^", index) else 1)
            out.append(source[index:start])
            if source.startswith("]", start):  # Python reads a leading ] as a literal
                out.append("\\]")
                start += 1
            index = start
            continue
        if char == "(" and source.startswith("(?P<", index):
            out.append("(?<")
            index += 4
            continue
        if char == "(" and source.startswith("(?P=", index):
            end = source.index(")", index)
            out.append(f"\\k<{source[index + 4 : end]}>")
            index = end + 1
            continue
        if char == "(" and source.startswith("(?", index) and source[index + 2 : index + 3] not in (":", "=", "!", "<"):
            raise ValueError(f"{source!r}: inline group {source[index : index + 4]!r} is not translated")
        if char == "{":
            quantifier = _QUANTIFIER.match(source, index)
            if quantifier is None and re.match(r"\{,\d+\}", source[index:]):
                raise ValueError(f"{source!r}: the {{,n}} quantifier is not translated")
            if quantifier is None:
                out.append("\\{")
                index += 1
            else:
                out.append(quantifier.group(0))
                index = quantifier.end()
            continue
        if char in "}]":
            out.append("\\" + char)
        elif char == ".":
            out.append(r"[\s\S]" if dotall else r"[^\n]")
        elif char == "^" and multiline:
            out.append(r"(?:(?<![\s\S])|(?<=\n))")
        elif char == "$":
            out.append(f"(?=\\n|{_JS_END})" if multiline else f"(?=\\n?{_JS_END})")
        else:
            out.append(char)
        index += 1
    return {"source": "".join(out), "flags": "u" + ("i" if flags & re.IGNORECASE else "")}


# paste/catalogue.json: each template's regex runs in JavaScript with the same meaning as in Python's
# ``regex`` module (Catalogue.pattern). Its whitespace runs (``\s+``) are shipped as one mark character
# and expanded by the worker: the translated class is ~90 characters and a template has ~12 runs.
CATALOGUE_FIELDS = ("id", "p", "m", "s", "f", "l", "re", "a", "w", "lit", "ni", "k")  # a record's columns
SPACE_MARK = "\u00a7"  # "§": in no template (catalogue_export checks)
_PY_SPACE_RUN = f"[{_JS_CLASSES['s']}]+"  # js_regex's translation of \s+ (Python re's \s)


def regex_module_space() -> str:
    r"""``\s`` of the ``regex`` module (the catalogue's engine) as a JavaScript class: unlike ``re``'s,
    it leaves out \x1c-\x1f, so it is read from the module itself rather than from ``_JS_CLASSES``."""
    import regex

    points = [ord(c) for c in regex.findall(r"\s", "".join(map(chr, range(0x110000))))]
    ranges: list[list[int]] = []
    for point in points:
        if ranges and ranges[-1][1] == point - 1:
            ranges[-1][1] = point
        else:
            ranges.append([point, point])

    def escape(point: int) -> str:
        return f"\\u{{{point:x}}}"

    body = "".join(escape(a) if a == b else f"{escape(a)}-{escape(b)}" for a, b in ranges)
    return f"[{body}]"


def catalogue_export(kb: KnowledgeBase) -> dict[str, Any]:
    r"""What the paste page needs of the message catalogue for its source answers (``paste/catalogue.json``).

    Each record is an array of the columns named in ``fields`` (keys would add ~170 kB): ``id``;
    ``p`` package; ``m`` the message as a ``SourceAnswer`` shows it (capped);
    ``s`` its sites as ``[kind, exception, file, function, condition]``, newest first, only the first
    site per exception class (``Catalogue.answer`` picks the first site whose class the paste shows,
    else the first: a later site of a class already listed can never be picked); ``f``/``l`` the first
    and last releases; ``re`` the template's regex in JavaScript (``js_regex``; each whitespace run is
    ``mark``, which the worker expands to ``space``, the ``regex`` module's ``\s+``); ``a`` the anchor
    word (the lookup's index key); ``w`` the other solid words, space-separated (all must occur in
    the window);
    ``lit`` the specificity; ``ni`` 1 when the message names code (``names_identifier``); ``k`` the
    curated entries linked to it (``linked_entries``, computed here with the KB).
    Records without an anchor are left out: the lookup can never find them.

    Size: 2,843 records, 1.64 MB of JSON (0.40 MB gzipped), fetched once and only for a paste
    no curated pattern fires on (``tests/docs/test_catalogue_port.py`` bounds it).
    """
    book = catalogue.load_catalogue()
    prepared = prepare(kb.active)
    placeholder = js_regex(re.compile(catalogue.PLACEHOLDER_REGEX))["source"]
    anchors = {n: word for word, numbers in book.index.items() for n in numbers}  # the lookup's own index
    records = []
    for n, record in enumerate(book.records):
        anchor = anchors.get(n)
        if anchor is None:
            continue
        if SPACE_MARK in record["t"]:
            raise ValueError(f"{record['id']}: the template holds {SPACE_MARK!r}, the whitespace mark")
        answer = book.answer(n)
        sites: list[list[str]] = []
        for site in record["sites"]:
            if all(site[1] != kept[1] for kept in sites):
                sites.append([str(part) for part in site[:5]])
        words = " ".join(sorted(book.words(n) - {anchor}))
        linked = list(source.linked_entries(record["id"], prepared))
        translated = js_regex(re.compile(record["re"]))["source"].replace(_PY_SPACE_RUN, SPACE_MARK)
        values = {
            "id": record["id"],
            "p": record["p"],
            "m": answer.message,
            "s": sites,
            "f": record["first"],
            "l": record["last"],
            "re": translated,
            "a": anchor,
            "w": words,
            "lit": int(record["lit"]),
            "ni": int(source.names_identifier(answer.message)),
            "k": linked,
        }
        records.append([values[name] for name in CATALOGUE_FIELDS])
    return {
        "version": 1,
        "fields": list(CATALOGUE_FIELDS),
        "mark": SPACE_MARK,
        "space": regex_module_space() + "+",
        "placeholder": placeholder,
        "records": records,
    }


def catalogue_json(kb: KnowledgeBase) -> str:
    """``catalogue_export`` as compact JSON."""
    return json.dumps(catalogue_export(kb), ensure_ascii=False, separators=(",", ":"))


def _lexical_export(index: Any) -> dict[str, Any]:
    """The BM25 index (its scoring constants travel with the tokeniser's, in ``rules``)."""
    built = index.lexical if hasattr(index, "lexical") else lexical.build_lexical_index(lexical.entry_texts(index))
    return {
        "max_doc_chars": _max_doc_chars(),
        "entry_ids": list(built.entry_ids),
        "idf": built.idf,
        "postings": {token: [[n, w] for n, w in plist] for token, plist in built.postings.items()},
    }


def _max_doc_chars() -> int:
    from peft_why.matcher import index as index_module

    return int(index_module.MAX_DOC_CHARS)
