"""The runtime model (kb/model.py) and the YAML schema (kb/schema.py) describe the same fields, in the same order."""

from __future__ import annotations

import dataclasses
import re

import pytest

from peft_why.kb import model, schema
from peft_why.kb.scaffold import entry_yaml

PAIRS = [
    (model.Entry, schema.Entry),
    (model.Symptom, schema.Symptom),
    (model.Presentation, schema.Presentation),
    (model.Fix, schema.Fix),
    (model.Message, schema.Message),
    (model.Reproduced, schema.Reproduced),
    (model.KnownMiss, schema.KnownMiss),
    (model.Examples, schema.Examples),
]


@pytest.mark.parametrize(("runtime", "validator"), PAIRS, ids=[p[0].__name__ for p in PAIRS])
def test_model_and_schema_have_the_same_fields_in_the_same_order(runtime: type, validator: type) -> None:
    assert [f.name for f in dataclasses.fields(runtime)] == list(validator.model_fields)  # type: ignore[attr-defined]


def test_scaffolded_entry_lists_the_fields_in_schema_order() -> None:
    text = entry_yaml("x-y", check=True, area="training", since="0.1.0")
    top_level = [m.group(1) for m in re.finditer(r"^#? ?([a-z_]+):", text, re.MULTILINE)]
    assert top_level == [name for name in schema.Entry.model_fields if name in top_level]
    missing = set(schema.Entry.model_fields) - set(top_level)
    assert missing <= {"generic", "affects", "fixed_in", "aliases", "superseded_by", "distinguish"}


def test_an_entry_round_trips_through_plain_data() -> None:
    entry = schema.Entry.model_validate(
        {
            "id": "a-b",
            "title": "t",
            "area": "training",
            "root_cause": "r",
            "fix": {"summary": "s"},
            "family": "results-differ",
            "distinguish": "d",
            "presentations": [{"observation": "o", "lang": "zh"}],
            "messages": [{"package": "peft", "text": "m", "catalogue": "src:peft:0123abcd"}],
        }
    ).to_model()
    assert model.entry_from_data(model.entry_to_data(entry)) == entry
    assert model.entry_to_data(entry) == schema.Entry.model_validate(model.entry_to_data(entry)).model_dump(mode="json")
