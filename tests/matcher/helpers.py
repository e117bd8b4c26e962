"""Small in-memory KBs for stage tests: entries built from a few fields, no YAML."""

from __future__ import annotations

from collections.abc import Sequence

from peft_why.kb.model import Entry
from peft_why.kb.schema import Entry as EntrySchema
from peft_why.matcher.index import KbIndex, build_index


def make_entry(
    entry_id: str,
    title: str,
    *,
    aliases: Sequence[str] = (),
    examples: Sequence[str] = (),
    regex: str = "",
    exception: Sequence[str] = (),
    generic: bool = False,
    status: str = "stable",
    fixed_in: dict[str, str] | None = None,
    affects: dict[str, str] | None = None,
) -> Entry:
    """An entry with the given texts; everything else is filler that the matcher ignores."""
    symptoms = [{"scope": "message", "exception": list(exception), "regex": regex}] if regex else []
    return EntrySchema.model_validate(
        {
            "id": entry_id,
            "title": title,
            "status": status,
            "area": "training",
            "generic": generic,
            "symptoms": symptoms,
            "root_cause": "test",
            "fix": {"summary": "test"},
            "aliases": list(aliases),
            "examples": {"match": list(examples), "no_match": []},
            "fixed_in": fixed_in or {},
            "affects": affects or {},
        }
    ).to_model()


def make_index(*entries: Entry) -> KbIndex:
    """The index the stages see for these entries."""
    return build_index(list(entries))


def cut_rich_panel(rendered: str) -> str:
    """A rich panel as users often copy it: from a frame row in the middle, stopping before the border."""
    rows = rendered.split("\n")
    first = next(i for i, row in enumerate(rows) if i > 1 and ".py:" in row and " in " in row)
    last = next(i for i, row in enumerate(rows) if row.startswith("╰"))
    return "Here is where it fails:\n" + "\n".join(rows[first:last]) + "\n"


# A rich panel whose frame headers did not fit its width: one path folded before ":42 in main", one
# folded inside the path, its function on a third row (how rich renders paths longer than the panel).
FOLDED_RICH_PANEL = (
    "╭──────────── Traceback (most recent call last) ────────────╮\n"
    "│ /home/user/a/rather/long/project/folder/for/this/train.py │\n"
    "│ :42 in main                                               │\n"
    "│                                                           │\n"
    "│ ❱ 42 │   model = get_peft_model(model, config)            │\n"
    "│                                                           │\n"
    "│ /home/user/.venv/lib/python3.11/site-packages/peft/tuners/t │\n"
    "│ uners_utils.py:1073 in                                    │\n"
    "│ inject_adapter                                            │\n"
    "╰───────────────────────────────────────────────────────────╯\n"
    "ValueError: Target modules {'c_attn'} not found in the base model.\n"
)
