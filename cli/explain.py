"""One Markdown rendering of a KB entry, shared by ``peft-why explain`` and the docs site.

Sections mirror the entry's fields (Symptom, Why, Fix, Verify, Examples,
References), so the site and the terminal can never disagree.
"""

from __future__ import annotations

import html

from peft_why.kb.model import Entry

BANNERS = {
    "preview": '!!! warning "Preview entry"\n    This entry is new and its patterns may still change.\n',
    "retired": ('!!! danger "Retired entry"\n    This failure is no longer diagnosed; see [{target}]({target}.md).\n'),
}


def entry_markdown(entry: Entry, *, for_site: bool = False) -> str:
    """The entry as Markdown. ``for_site`` adds MkDocs admonitions and page links."""
    parts = [f"# {entry.title}\n", _meta(entry, for_site=for_site)]
    banner = BANNERS.get(entry.status)
    if banner and for_site:
        parts.append(banner.format(target=entry.superseded_by or ""))
    elif entry.is_retired:
        parts.append(f"> Retired: superseded by `{entry.superseded_by}`.\n")
    parts.append(_symptoms(entry, for_site=for_site))
    parts.append(_presentations(entry))
    parts.append(f"## Why it happens\n\n{entry.root_cause}\n")
    parts.append(_fix(entry))
    parts.append(_versions(entry))
    parts.append(_verify(entry))
    parts.append(_examples(entry, for_site=for_site))
    if entry.references:
        parts.append("## References\n\n" + "".join(f"- {ref}\n" for ref in entry.references))
    return "\n".join(part for part in parts if part)


def _meta(entry: Entry, *, for_site: bool) -> str:
    if not for_site:
        return f"`{entry.id}` · area: **{entry.area}** · status: {entry.status}\n"
    return (
        f'<p class="kb-meta"><code>{entry.id}</code>'
        f'<span class="kb-badge kb-badge--area">{entry.area}</span>'
        f'<span class="kb-badge kb-badge--{entry.status}">{entry.status}</span></p>\n'
    )


def _symptoms(entry: Entry, *, for_site: bool = False) -> str:
    lines = ["## Symptom\n"]
    typical = typical_message(entry)
    if typical and for_site:
        # A heading of its own: the site search ranks a section whose title holds the query's words
        # first, so an error line typed into the search box finds this page.
        lines += [f"### {_html_code(typical)}", ""]
    elif typical:
        lines += ["What you see:", "", _fenced(typical, "text"), ""]
    if entry.symptoms:
        lines += ["Patterns peft-why recognises:", ""]
    for symptom in entry.symptoms:
        kinds = f" ({', '.join(symptom.exception)})" if symptom.exception else ""
        pattern = _html_code(symptom.regex) if for_site else _code_span(symptom.regex)
        lines.append(f"- {symptom.scope}{kinds}: {pattern}")
    if entry.aliases:
        lines.append("")
        lines.append("Also described as:")
        lines.append("")
        lines.extend(f"- {alias}" for alias in entry.aliases)
    return "\n".join(lines) + "\n"


def _presentations(entry: Entry) -> str:
    """How the failure shows without an error message, and what sets it apart in its family; "" if neither."""
    if not entry.presentations and not entry.distinguish:
        return ""
    lines = ["## How it shows", ""]
    for shown in entry.presentations:
        lines.append(f"- {shown.observation}" + (f" ({shown.context})" if shown.context else ""))
    if entry.distinguish:
        family = f" from the other `{entry.family}` failures" if entry.family else ""
        lines += [""] if entry.presentations else []
        lines.append(f"Tell it apart{family}: {entry.distinguish}")
    return "\n".join(lines) + "\n"


def typical_message(entry: Entry, limit: int = 400) -> str:
    """The exception line of the entry's first example that has one: what a user actually sees."""
    from peft_why.matcher.parse import parse

    for example in entry.examples.match:
        final = parse(example).final
        if final is not None and final.message:
            line = final.headline
            return line if len(line) <= limit else line[: limit - 1] + "…"
    return ""


def _code_span(text: str) -> str:
    ticks = "``" if "`" in text else "`"
    pad = " " if ticks == "``" else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _html_code(text: str) -> str:
    """A pattern as an HTML ``<code>`` element, for the site.

    Python-Markdown's raw-HTML pass reads a Markdown code span's ``<![`` (a lookbehind such as
    ``(?<![\\d.,])``) as the start of a CDATA section and fails the build; escaped inside ``<code>`` it
    shows, and copies, exactly as written.
    """
    return f"<code>{html.escape(text, quote=False)}</code>"


def _fenced(text: str, language: str) -> str:
    fence = "````" if "```" in text else "```"
    return f"{fence}{language}\n{text.rstrip()}\n{fence}"


def _fix(entry: Entry) -> str:
    text = f"## Fix\n\n{entry.fix.summary}\n"
    if entry.fix.snippet.strip():
        text += f"\n```python\n{entry.fix.snippet.rstrip()}\n```\n"
    return text


def _versions(entry: Entry) -> str:
    rows = []
    if entry.affects:
        rows.append("Affects: " + ", ".join(f"{pkg} {spec}" for pkg, spec in sorted(entry.affects.items())))
    if entry.fixed_in:
        rows.append("Fixed in: " + ", ".join(f"{pkg} {ver}" for pkg, ver in sorted(entry.fixed_in.items())))
    if entry.reviewed:
        reviewed = ", ".join(f"{pkg} {ver}" for pkg, ver in sorted(entry.reviewed.items()))
        rows.append(f"Last reviewed against: {reviewed}")
    if entry.reproduced:
        note = f" — {entry.reproduced.note}" if entry.reproduced.note else ""
        rows.append(f"Reproduced: {entry.reproduced.how}{note}")
    if not rows:
        return ""
    return "## Versions\n\n" + "".join(f"- {row}\n" for row in rows)


def _verify(entry: Entry) -> str:
    if not entry.verify:
        return ""
    return (
        "## Verify\n\n"
        "Check whether this is what is wrong with your own model:\n\n"
        f"```bash\npeft-why verify {entry.id} --model PATH [--adapter PATH]\n```\n\n"
        f"```python\nimport peft_why\nprint(peft_why.verify({entry.id!r}, model))\n```\n"
    )


def _examples(entry: Entry, *, for_site: bool = False) -> str:
    if not entry.examples.match:
        return ""
    blocks = ["## Examples\n", "Pastes that peft-why matches to this entry:\n"]
    for number, example in enumerate(entry.examples.match):
        fence = "````" if "```" in example else "```"
        block = f"{fence}text\n{example.rstrip()}\n{fence}\n"
        if for_site:  # collapsible on the site, so a long traceback does not bury the rest of the page
            marker = "???+" if number == 0 else "???"
            lines = block.splitlines(keepends=True)
            indented = "".join(f"    {line}" if line.strip() else line for line in lines)
            block = f'{marker} example "{_example_kind(example)}"\n\n{indented}'
        blocks.append(block)
    return "\n".join(blocks)


def _example_kind(text: str) -> str:
    if "Traceback (most recent call last)" in text:
        return "Reproduced traceback"
    if len(text.strip().splitlines()) == 1 and ": " in text and text.split(":", 1)[0].strip().isidentifier():
        return "Error line"
    return "Log excerpt" if len(text.strip().splitlines()) > 1 else "Described in words"
