"""Normalisation for similarity, and frame identity and weight."""

from __future__ import annotations

from peft_why.matcher.formats import decode
from peft_why.matcher.frames import frame_key, package_of, weighted_frames
from peft_why.matcher.normalise import mask, strip_ansi, unescape_html
from peft_why.matcher.parse import parse
from peft_why.matcher.trace import ExceptionBlock, Frame


def test_mask_hides_user_values_and_keeps_signal() -> None:
    line = (
        "2026-11-27 23:40:00,001 /home/ana/.venv/lib/python3.10/site-packages/peft/tuners/lora/model.py:123: "
        "RuntimeError: expected float16 but got bfloat16 for 'q_proj' at 0x7f3a2b9c "
        'in "/data/ana/my run/ckpt", shapes torch.Size([0]) and torch.Size([4096, 16])'
    )
    assert mask(line) == (
        "<time> <env>/site-packages/peft/tuners/lora/model.py:<n>: "
        "RuntimeError: expected float16 but got bfloat16 for 'q_proj' at <hex> "
        'in "<str>", shapes torch.Size([0]) and torch.Size([<n>, <n>])'
    )


def test_mask_keeps_module_paths_and_dtype_names_quoted() -> None:
    assert mask("KeyError: 'base_model.model.layers.0.self_attn.q_proj'") == (
        "KeyError: 'base_model.model.layers.0.self_attn.q_proj'"
    )
    assert mask('dtype "float16" vs "torch.bfloat16"') == 'dtype "float16" vs "torch.bfloat16"'


def test_mask_windows_paths_urls_and_objects() -> None:
    assert mask(r'File "C:\Users\li\envs\ft\Lib\site-packages\peft\mapping.py", line 98') == (
        'File "<env>/site-packages/peft/mapping.py", line <n>'
    )
    assert mask("see https://pytorch.org/docs/stable/elastic/errors.html") == "see <url>"
    assert mask("<peft.tuners.lora.layer.Linear object at 0x7f00aa12>") == "<peft.tuners.lora.layer.Linear object>"


def test_same_failure_from_two_users_normalises_alike() -> None:
    first = parse(
        'Traceback (most recent call last):\n  File "/home/ana/run.py", line 3, in <module>\n'
        "ValueError: rank 4 is larger than 3 for 'q_proj' (id 0xdeadbeef01)\n"
    )
    second = parse(
        'Traceback (most recent call last):\n  File "/Users/bo/x/run.py", line 97, in <module>\n'
        "ValueError: rank 64 is larger than 32 for 'q_proj' (id 0x7f00aa12)\n"
    )
    assert first.final is not None and second.final is not None
    assert mask(first.final.headline) == mask(second.final.headline)


def test_strip_ansi_removes_colours_and_controls() -> None:
    assert strip_ansi("\x1b[1;35mValueError\x1b[0m: \x1b]8;;http://x\x07link\x1b]8;;\x07\x07") == "ValueError: link "


def _frame(path: str, function: str) -> Frame:
    return Frame(path, 1, function, package_of(path))


def test_package_and_key_survive_install_location() -> None:
    linux = _frame("/opt/venv/lib/python3.10/site-packages/peft/tuners/tuners_utils.py", "inject_adapter")
    windows = _frame("C:\\Users\\li\\Lib\\site-packages\\peft\\tuners\\tuners_utils.py", "BaseTuner.inject_adapter")
    assert (linux.package, windows.package) == ("peft", "peft")
    assert frame_key(linux) == frame_key(windows) == "peft/tuners/tuners_utils.py:inject_adapter"
    assert package_of("/work/train.py") == "user"
    assert package_of("<frozen runpy>") == "stdlib"
    assert package_of("/usr/lib/python3.11/site-packages/numpy/core.py") == "other"


def test_weighted_frames_favour_the_raise_and_discount_common_wrappers() -> None:
    frames = (
        _frame("/work/train.py", "<module>"),
        _frame("/v/lib/python3.10/site-packages/torch/nn/modules/module.py", "_call_impl"),
        _frame("/v/lib/python3.10/site-packages/peft/peft_model.py", "forward"),
        _frame("/v/lib/python3.10/site-packages/peft/tuners/lora/layer.py", "forward"),
    )
    weights = [w for _, w in weighted_frames(ExceptionBlock("RuntimeError", "x", frames))]
    assert weights[3] == 1.0
    assert weights[3] > weights[2] > weights[0]
    assert weights[1] < 0.1 * weights[2], "Module._call_impl says almost nothing"
    assert weighted_frames(ExceptionBlock("RuntimeError", "x")) == []


def test_html_entity_rule_is_one_definition_for_decode_and_unescape() -> None:
    """A seven-digit decimal entity (code points run to 1114111) reads as HTML in both places.

    formats.decode once allowed ``#\\d{1,7}`` while normalise allowed ``#\\d{1,6}``; the paste
    ``&#1000000;`` was HTML to one and plain text to the other.
    """
    assert unescape_html("KeyError: &#1000000;") == "KeyError: " + chr(1000000)
    assert "html" in decode("KeyError: &#1000000; &lt;x").formats
    assert unescape_html("&#12345678;") == "&#12345678;"  # eight digits: no code point, not HTML
