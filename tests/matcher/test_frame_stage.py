"""The frame stage: a traceback cut off before its error line is read by the frame where it stops."""

from __future__ import annotations

from pathlib import Path

import pytest

from peft_why.kb.loader import KnowledgeBase
from peft_why.matcher import frame_stage
from peft_why.matcher.diagnose import diagnose_text, get_kb, get_prepared, stage_candidates
from peft_why.matcher.frames import site_key
from peft_why.matcher.index import raise_site
from peft_why.matcher.parse import parse
from peft_why.matcher.trace import Frame

from .helpers import cut_rich_panel


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return get_kb()[0]


def cut_before_error(example: str) -> str:
    """The example's traceback without its exception line and what follows: the paste cut short."""
    trace = parse(example)
    assert trace.final is not None
    return "\n".join(example.split("\n")[: trace.final.line - 1]) + "\n"


def example_with_site(kb: KnowledgeBase, entry_id: str) -> str:
    return next(text for text in kb.get(entry_id).examples.match if raise_site(parse(text)) is not None)


def test_site_key_survives_moved_files_and_skips_user_and_wrapper_frames() -> None:
    old = Frame("/venv/lib/python3.8/site-packages/torch/cuda/amp/grad_scaler.py", 213, "_unscale_grads_", "torch")
    new = Frame("/venv/lib/site-packages/torch/amp/grad_scaler.py", 280, "GradScaler._unscale_grads_", "torch")
    assert site_key(old) == site_key(new) == "torch:grad_scaler.py:_unscale_grads_"
    assert site_key(Frame("/home/ana/train.py", 3, "main", "user")) is None
    assert site_key(Frame("/venv/lib/site-packages/torch/nn/modules/module.py", 1, "_call_impl", "torch")) is None


def test_a_cut_reproduction_is_named_by_where_it_stops(kb: KnowledgeBase) -> None:
    paste = cut_before_error(example_with_site(kb, "fp16-unscale-amp"))
    trace = parse(paste)
    assert trace.exceptions == () and trace.truncated
    votes = frame_stage.candidates(trace, get_prepared().frame)
    assert [c.entry_id for c in votes] == ["fp16-unscale-amp"]
    assert "_unscale_grads_" in votes[0].detail
    found = diagnose_text(paste)
    assert found and found[0].id == "fp16-unscale-amp"
    assert found[0].confidence != "high" or len(found[0].evidence) > 1  # a site alone is not "high"


def test_the_same_traceback_with_its_error_line_gets_no_frame_vote(kb: KnowledgeBase) -> None:
    complete = parse(example_with_site(kb, "fp16-unscale-amp"))
    assert not complete.truncated
    assert frame_stage.candidates(complete, get_prepared().frame) == []


def test_a_rich_panel_cut_at_both_ends_is_read_by_its_innermost_frame() -> None:
    golden = Path(__file__).resolve().parents[1] / "golden" / "formats" / "rich.txt"
    trace = parse(cut_rich_panel(golden.read_text(encoding="utf-8")))
    votes = stage_candidates(trace, get_prepared(), stages=("frame",))["frame"]
    # inject_adapter raises several errors (the catalogue reads them all): the vote is this entry's share
    assert votes and votes[0].entry_id == "target-modules-not-found"
    assert 0 < votes[0].score < 1
    assert len(frame_stage.errors_raised_in("peft:tuners_utils.py:inject_adapter")) >= 3


def test_a_site_raising_several_errors_splits_its_vote() -> None:
    key = "peft:tuners_utils.py:inject_adapter"
    assert len(frame_stage.errors_raised_in(key)) > 1
    sites = frame_stage.SiteIndex({key: ("a", "b")})
    frames = [Frame("/v/lib/python3.11/site-packages/peft/tuners/tuners_utils.py", 9, "inject_adapter", "peft")]
    trace = parse(
        "Traceback (most recent call last):\n"
        '  File "/v/lib/python3.11/site-packages/peft/tuners/tuners_utils.py", line 9, in inject_adapter\n'
        "    raise ValueError(msg)\n"
    )
    assert [f.function for f in trace.unfinished_frames] == [f.function for f in frames]
    votes = frame_stage.candidates(trace, sites)
    assert {c.entry_id for c in votes} == {"a", "b"}
    # without the catalogue (no ``links``) the two reproduced errors are all there is: half each
    assert all(c.score == 0.5 for c in votes)
    linked = frame_stage.candidates(trace, sites, links=lambda _message: ())
    total = len(frame_stage.errors_raised_in(key)) + 2
    assert all(c.score == pytest.approx(1 / total, abs=1e-4) for c in linked)


def test_a_traceback_cut_in_user_code_gets_no_vote() -> None:
    trace = parse('Traceback (most recent call last):\n  File "/home/ana/train.py", line 3, in <module>\n    main()\n')
    assert trace.truncated
    assert frame_stage.candidates(trace, get_prepared().frame) == []


def test_leaving_the_only_reproduction_out_removes_its_site(kb: KnowledgeBase) -> None:
    prepared = get_prepared()
    entry = kb.get("fp16-unscale-amp")
    numbers = [n for n, text in enumerate(entry.examples.match) if raise_site(parse(text)) is not None]
    reduced = prepared.index
    for number in numbers:
        reduced = reduced.without_example(entry.id, number)
    assert all(site[0] != entry.id for site in reduced.raise_sites)
    assert any(site[0] == entry.id for site in prepared.index.raise_sites)
