"""Symptom patterns at word level: phrases a pattern must read, and near misses it must not.

``examples`` test an entry through the whole matcher (where lexical and fuzzy evidence may still
rank it first); these pin the patterns themselves, for words that carry a symptom only in some
uses ("different" in "different answers" versus "different words").
"""

from __future__ import annotations

import pytest
import regex

from peft_why.kb.loader import load_kb

CASES: tuple[tuple[str, str, bool], ...] = (
    ("generate-sampling-seed", "the outputs of model.generate are different each time", True),
    ("generate-sampling-seed", "generate gives outputs that are different.", True),
    ("generate-sampling-seed", "the generated text is different from run to run", True),
    ("generate-sampling-seed", "generation changes every time I run it", True),
    ("generate-sampling-seed", "do_sample=True and the outputs vary", True),
    ("generate-sampling-seed", "I tried different learning rates before generating with the final adapter", False),
    ("generate-sampling-seed", "I use generate for different prompts and it is slow", False),
    ("generate-sampling-seed", "I changed the learning rate and the generation got worse", False),
)


@pytest.mark.parametrize(("entry_id", "text", "fires"), CASES)
def test_symptom_pattern_reads_the_phrase_or_not(entry_id: str, text: str, fires: bool) -> None:
    entry = load_kb(include_env=False).get(entry_id)
    assert entry is not None
    assert any(regex.search(symptom.regex, text) for symptom in entry.symptoms) is fires
