# ruff: noqa: E501  (transcribed tracebacks keep their real line lengths)
"""parse(): each rendering people paste, reduced to the same exception chain.

Tracebacks are rendered by the real renderers where this process can run them
(CPython's ``traceback`` module, rich); renderings of other versions and tools
(IPython 7, Python 3.13, torchrun's launcher, Windows) are transcribed.
"""

from __future__ import annotations

import builtins
import io
import sys
import traceback
from pathlib import Path

import pytest

from peft_why.matcher.parse import TRUNCATED_NOTE, parse

from .helpers import FOLDED_RICH_PANEL, cut_rich_panel

TARGET = "Target modules {'c_attn'} not found in the base model. Please check the target modules and try again."


def _inject() -> None:
    raise ValueError(TARGET)


def _rendered(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


def _chained() -> BaseException:
    try:
        try:
            {}["base_model.model.lm_head"]
        except KeyError as inner:
            raise RuntimeError("could not load the adapter") from inner
    except RuntimeError:
        try:
            _inject()
        except ValueError as last:
            return last
    raise AssertionError("unreachable")


def test_plain_cpython_traceback_gives_type_message_and_frames() -> None:
    try:
        _inject()
    except ValueError as exc:
        trace = parse(_rendered(exc))
    assert trace.final is not None
    assert (trace.final.type, trace.final.message) == ("ValueError", TARGET)
    assert [f.function for f in trace.final.frames] == [
        "test_plain_cpython_traceback_gives_type_message_and_frames",
        "_inject",
    ]
    assert trace.final.frames[-1].code == "raise ValueError(TARGET)"
    assert not trace.truncated


def test_chained_exceptions_keep_order_and_links() -> None:
    trace = parse(_rendered(_chained()))
    assert [b.type for b in trace.exceptions] == ["KeyError", "RuntimeError", "ValueError"]
    assert [b.link for b in trace.exceptions] == ["cause", "context", None]
    assert trace.exceptions[0].message == "'base_model.model.lm_head'"


@pytest.mark.skipif(sys.version_info < (3, 11), reason="ExceptionGroup is new in Python 3.11")
def test_nested_exception_group_members_are_found_with_depth() -> None:
    group_type = getattr(builtins, "ExceptionGroup")  # noqa: B009 - a NameError on 3.9/3.10 otherwise
    try:
        raise group_type("outer", [ValueError(TARGET), group_type("inner", [KeyError("lm_head")])])
    except group_type as group:
        trace = parse(_rendered(group))
    assert "exception-group" in trace.formats
    assert [(b.short_type, b.depth) for b in trace.exceptions] == [
        ("ExceptionGroup", 0),
        ("ValueError", 1),
        ("ExceptionGroup", 1),
        ("KeyError", 2),
    ]
    assert trace.final is not None and trace.final.message == "outer (2 sub-exceptions)"


def test_rich_traceback_with_a_chain_parses_like_cpython() -> None:
    from rich.console import Console
    from rich.traceback import Traceback

    exc = _chained()
    console = Console(record=True, width=60, file=io.StringIO(), color_system=None)
    console.print(Traceback.from_exception(type(exc), exc, exc.__traceback__))
    trace = parse(console.export_text())
    assert "rich" in trace.formats
    assert [b.short_type for b in trace.exceptions] == ["KeyError", "RuntimeError", "ValueError"]
    assert trace.final is not None and trace.final.message == TARGET  # wrapped at 60 columns, joined back
    assert trace.final.frames[-1].function == "_inject"


def test_a_rich_panel_cut_from_the_middle_keeps_its_frames() -> None:
    golden = Path(__file__).resolve().parents[1] / "golden" / "formats" / "rich.txt"
    trace = parse(cut_rich_panel(golden.read_text(encoding="utf-8")))
    assert "rich" in trace.formats
    assert trace.exceptions == () and trace.truncated
    functions = [f.function for f in trace.unfinished_frames]
    assert functions[-1] == "inject_adapter"  # its header wraps over two rows
    assert functions[0] == "fail" and len(functions) == 5
    assert trace.unfinished_frames[-1].package == "peft"


def test_a_rich_frame_header_folded_over_rows_is_joined_whatever_the_path_length() -> None:
    trace = parse(FOLDED_RICH_PANEL)
    assert trace.final is not None and trace.final.short_type == "ValueError"
    frames = trace.final.frames
    assert [(f.path.rsplit("/", 1)[-1], f.lineno, f.function) for f in frames] == [
        ("train.py", 42, "main"),
        ("tuners_utils.py", 1073, "inject_adapter"),
    ]
    assert frames[1].package == "peft"


def test_a_box_row_that_is_no_frame_header_opens_no_panel() -> None:
    trace = parse("│ a table cell │\n│ another cell.py: │\nValueError: x\n")
    assert "rich" not in trace.formats
    assert trace.final is not None and trace.final.message == "x"


def test_markdown_bold_around_an_error_line_is_dropped_and_its_wrapped_message_kept() -> None:
    paste = (
        "It fails with\n"
        "Traceback (most recent call last):\n"
        '  File "/home/ana/train.py", line 3, in <module>\n'
        "    model = get_peft_model(model, config)\n"
        f"**ValueError: {TARGET[:40]}\n{TARGET[40:]}**\n"
        "\nAny idea?\n"
    )
    trace = parse(paste)
    assert trace.final is not None and trace.final.type == "ValueError"
    assert trace.final.message.replace("\n", "") == TARGET
    assert "markdown" in trace.formats


def test_markdown_bold_closed_mid_line_or_not_at_all() -> None:
    closed = parse("**KeyError: 'lm_head'** when I load it\n")
    assert closed.final is not None and closed.final.message == "'lm_head' when I load it"
    never = parse("__RuntimeError: boom\n\nnext paragraph with __init__ in it\n")
    assert never.final is not None and never.final.message == "boom"
    assert "__init__" in never.text  # the search for a closing marker stops at the paragraph's end
    plain = parse("use **bold** words: ValueError is not here\n")
    assert "**bold**" in plain.text
    main = parse("__main__.MyError: boom\n")
    assert main.final is not None and main.final.type == "__main__.MyError" and main.final.message == "boom"


def test_python_313_carets_and_colours_are_ignored() -> None:
    paste = (
        "\x1b[35mTraceback (most recent call last):\x1b[0m\n"
        '  File \x1b[35m"/home/ana/train.py"\x1b[0m, line \x1b[35m20\x1b[0m, in \x1b[35m<module>\x1b[0m\n'
        "    model = get_peft_model(model, config)\n"
        "            ~~~~~~~~~~~~~~^^^^^^^^^^^^^^^\n"
        '  File "/home/ana/.venv/lib/python3.13/site-packages/peft/mapping_func.py", line 190, in get_peft_model\n'
        "    return PeftModel(\n"
        "           ~~~~~~~~~^\n"
        f"\x1b[1;35mValueError\x1b[0m: \x1b[35m{TARGET}\x1b[0m\n"
    )
    trace = parse(paste)
    assert trace.formats[0] == "ansi"
    assert trace.final is not None and (trace.final.type, trace.final.message) == ("ValueError", TARGET)
    assert [f.code for f in trace.final.frames] == [
        "model = get_peft_model(model, config)",
        "return PeftModel(",
    ]
    assert trace.versions["python"] == "3.13"


def test_old_ipython_header_and_frames() -> None:
    paste = """---------------------------------------------------------------------------
ValueError                                Traceback (most recent call last)
<ipython-input-7-3c9d1b6e2f1a> in <module>
      9
---> 10 model = get_peft_model(model, config)

/usr/local/lib/python3.8/dist-packages/peft/mapping.py in get_peft_model(model, peft_config)
--> 144         return MODEL_TYPE_TO_PEFT_MODEL_MAPPING[peft_config.task_type](model, peft_config)

/usr/local/lib/python3.8/dist-packages/peft/tuners/lora.py in _find_and_replace(self, adapter_name)
    205         if not is_target_modules_in_base_model:
--> 206             raise ValueError(
    207                 f"Target modules {lora_config.target_modules} not found in the base model. "

ValueError: Target modules ['q_proj', 'v_proj'] not found in the base model. Please check the target modules and try again.
"""
    trace = parse(paste)
    assert "ipython" in trace.formats
    assert len(trace.exceptions) == 1, "the header's exception type is not a second exception"
    final = trace.exceptions[0]
    assert final.line == 15
    assert [(f.package, f.lineno, f.function) for f in final.frames] == [
        ("user", 10, "<module>"),
        ("peft", 144, "get_peft_model"),
        ("peft", 206, "_find_and_replace"),
    ]
    assert trace.versions == {"python": "3.8"}


def test_ipython_8_cell_frames() -> None:
    paste = """---------------------------------------------------------------------------
ValueError                                Traceback (most recent call last)
Cell In[3], line 5
      3 config = LoraConfig(target_modules=["c_attn"])
----> 5 model = get_peft_model(model, config)

File ~/miniconda3/lib/python3.10/site-packages/peft/mapping.py:133, in get_peft_model(model, peft_config, adapter_name)
--> 133 return MODEL_TYPE_TO_PEFT_MODEL_MAPPING[peft_config.task_type](model, peft_config, adapter_name=adapter_name)

ValueError: Target modules {'c_attn'} not found in the base model. Please check the target modules and try again.
"""
    trace = parse(paste)
    assert trace.final is not None and trace.final.message == TARGET
    assert [(f.path, f.lineno, f.function) for f in trace.final.frames] == [
        ("Cell In[3]", 5, "<cell>"),
        ("~/miniconda3/lib/python3.10/site-packages/peft/mapping.py", 133, "get_peft_model"),
    ]


def test_multi_rank_log_keeps_one_copy_and_the_root_cause_rank() -> None:
    ranks = []
    for line in [
        "Traceback (most recent call last):",
        '  File "/work/train.py", line 9, in <module>',
        "    model = get_peft_model(model, config)",
        f"ValueError: {TARGET}",
    ]:
        ranks += [f"[rank1]: {line}", f"[rank0]: {line}"]
    launcher = """E1127 23:40:01.123000 4242 torch/distributed/elastic/multiprocessing/api.py:900] failed (exitcode: 1) local_rank: 0 (pid: 4243) of binary: /usr/bin/python3
Traceback (most recent call last):
  File "/usr/lib/python3.10/site-packages/torch/distributed/run.py", line 883, in main
    run(args)
torch.distributed.elastic.multiprocessing.errors.ChildFailedError:
============================================================
train.py FAILED
------------------------------------------------------------
Root Cause (first observed failure):
[0]:
  time      : 2026-11-27_23:40:01
  rank      : 1 (local_rank: 1)
  exitcode  : 1 (pid: 4244)
============================================================"""
    trace = parse("\n".join(ranks) + "\n" + launcher)
    assert "multi-rank" in trace.formats
    assert trace.final is not None and (trace.final.type, trace.final.message) == ("ValueError", TARGET)
    assert trace.final.line == 7, "rank 1 (the root cause) is the copy kept"
    assert len(trace.final.frames) == 1
    assert any("from 2 ranks" in note for note in trace.notes)
    assert any("ChildFailedError" in note for note in trace.notes)


def test_logging_prefixes_timestamps_and_tqdm_redraws() -> None:
    paste = (
        "2026-11-27 23:40:00,001 - __main__ - INFO - loading model\n"
        "Map:   0%|          | 0/10 [00:00<?, ?it/s]\rMap: 100%|##########| 10/10 [00:00<00:00]\n"
        "2026-11-27 23:40:01,500 - peft.tuners.tuners_utils - WARNING - Already found a `peft_config` attribute\n"
        "2026-11-27 23:40:02,000 - __main__ - ERROR - adapter setup failed\n"
        "Traceback (most recent call last):\n"
        '  File "/work/train.py", line 9, in <module>\n'
        f"ValueError: {TARGET}\n"
        "2026-11-27 23:40:02,100 - __main__ - INFO - exiting\n"
    )
    trace = parse(paste)
    assert {"log", "progress-redraw"} <= set(trace.formats)
    assert trace.text_lines[1].startswith("Map: 100%")
    assert trace.final is not None and trace.final.message == TARGET, "the next log record is not message text"
    assert [(w.category, w.line) for w in trace.warnings] == [("warning", 3)]


def test_pytest_e_lines_with_multiline_message() -> None:
    paste = """    def test_load():
>       model.load_state_dict(state)
E       RuntimeError: Error(s) in loading state_dict for PeftModelForCausalLM:
E       	size mismatch for base_model.model.lm_head.lora_A.default.weight: copying a param with shape torch.Size([8, 64]) from checkpoint, the shape in current model is torch.Size([16, 64]).

tests/test_load.py:12: RuntimeError
"""
    trace = parse(paste)
    assert trace.final is not None and trace.final.type == "RuntimeError"
    assert trace.final.message.splitlines()[1].startswith("size mismatch for base_model")
    assert [(f.path, f.function, f.code) for f in trace.final.frames] == [
        ("tests/test_load.py", "test_load", "model.load_state_dict(state)")
    ]


def test_windows_paths_keep_their_package() -> None:
    paste = (
        "Traceback (most recent call last):\n"
        '  File "C:\\Users\\li\\proj\\train.py", line 8, in <module>\n'
        "    model = get_peft_model(model, config)\n"
        '  File "C:\\Users\\li\\miniconda3\\envs\\ft\\Lib\\site-packages\\peft\\mapping.py", line 98, in get_peft_model\n'
        "    return MODEL_TYPE_TO_PEFT_MODEL_MAPPING[peft_config.task_type](model, peft_config)\n"
        f"ValueError: {TARGET}\n"
    )
    trace = parse(paste)
    assert trace.final is not None
    assert [f.package for f in trace.final.frames] == ["user", "peft"]


def test_truncated_paste_says_so_and_keeps_frames() -> None:
    paste = (
        "Traceback (most recent call last):\n"
        '  File "/work/train.py", line 9, in <module>\n'
        "    model = get_peft_model(model, config)\n"
        '  File "/opt/venv/lib/python3.10/site-packages/peft/mapping.py", line 98, in get_peft_model\n'
    )
    trace = parse(paste)
    assert trace.truncated and trace.final is None
    assert TRUNCATED_NOTE in trace.notes
    assert [f.package for f in trace.unfinished_frames] == ["user", "peft"]


def test_error_inside_chinese_prose() -> None:
    trace = parse(f"我运行 get_peft_model 时报错：ValueError：{TARGET} 请问怎么办？")
    assert trace.final is not None and trace.final.type == "ValueError"
    assert trace.final.message.startswith("Target modules {'c_attn'}")
    assert "inline" in trace.formats


def test_html_escaped_traceback_from_a_web_page() -> None:
    paste = (
        "<pre><code>Traceback (most recent call last):\n"
        "  File &quot;/work/train.py&quot;, line 9, in &lt;module&gt;\n"
        "ValueError: Target modules {&#39;c_attn&#39;} not found in the base model. "
        "Please check the target modules and try again.</code></pre>"
    )
    trace = parse(paste)
    assert "html" in trace.formats
    assert trace.final is not None and trace.final.message == TARGET
    assert trace.final.frames[0].function == "<module>"


def test_nested_markdown_fences_are_dropped_but_lines_keep_numbers() -> None:
    paste = (
        "I get this:\n"
        "````markdown\n"
        "~~~\n"
        "Traceback (most recent call last):\n"
        '  File "/work/train.py", line 9, in <module>\n'
        f"ValueError: {TARGET}\n"
        "~~~\n"
        "````\n"
    )
    trace = parse(paste)
    assert "markdown" in trace.formats
    assert "````" not in trace.text and "~~~" not in trace.text
    assert trace.final is not None and trace.final.line == 6
    assert trace.final.frames[0].line == 5


@pytest.mark.parametrize(
    ("paste", "versions"),
    [
        ("My adapter was trained with peft 0.12 and after upgrading peft it fails", {}),
        ("去年用 peft 0.13 训练的适配器，升级 peft 后加载报错", {}),
        ("I upgraded to peft 0.14.0 and now it fails", {"peft": "0.14.0"}),
        ("升级到 peft 0.15 之后报错", {"peft": "0.15"}),
        ("peft 0.13.2, transformers 4.46\nthen I updated nothing else", {"peft": "0.13.2", "transformers": "4.46"}),
    ],
)
def test_a_version_left_behind_by_an_upgrade_is_not_the_running_one(paste: str, versions: dict[str, str]) -> None:
    assert parse(paste).versions == versions


def test_versions_from_env_reports_pip_output_and_paths() -> None:
    paste = """- `transformers` version: 4.40.0
- Platform: Linux-5.15.0-x86_64-with-glibc2.35
- Python version: 3.10.12
- Huggingface_hub version: 0.22.2
- PyTorch version (GPU?): 2.2.1+cu121 (True)
- `Accelerate` version: 0.29.3
bitsandbytes              0.43.1
peft==0.3.0.dev0
I also tried trl 0.8.6.
  File "/usr/lib/python3.8/site-packages/peft/peft_model.py", line 1, in f
"""
    assert parse(paste).versions == {
        "accelerate": "0.29.3",
        "bitsandbytes": "0.43.1",
        "huggingface_hub": "0.22.2",
        "peft": "0.3.0.dev0",
        "python": "3.10.12",
        "torch": "2.2.1+cu121",
        "transformers": "4.40.0",
        "trl": "0.8.6",
    }


def test_warnings_output_is_collected_not_raised() -> None:
    paste = (
        "/opt/venv/lib/python3.10/site-packages/peft/tuners/lora/bnb.py:80: UserWarning: "
        "Merge lora module to 4-bit linear may get different generations due to rounding errors.\n"
        "  warnings.warn(\n"
        "WARNING:peft.tuners.tuners_utils:Already found a `peft_config` attribute in the model.\n"
    )
    trace = parse(paste)
    assert trace.exceptions == ()
    assert [(w.category, w.line) for w in trace.warnings] == [("UserWarning", 1), ("warning", 3)]
    assert trace.warnings[0].message.startswith("Merge lora module to 4-bit linear")


def test_syntax_error_with_caret() -> None:
    paste = '  File "/work/train.py", line 3\n    config = LoraConfig(r=8,, alpha=16)\n                            ^\nSyntaxError: invalid syntax\n'
    trace = parse(paste)
    assert trace.final is not None and (trace.final.type, trace.final.message) == (
        "SyntaxError",
        "invalid syntax",
    )
    assert trace.final.frames[0].code == "config = LoraConfig(r=8,, alpha=16)"


def test_a_plain_sentence_has_no_exception() -> None:
    trace = parse("my LoRA adapter has no effect after merging, the outputs are identical")
    assert trace.exceptions == () and trace.formats == ("text",) and not trace.truncated


def test_multiline_message_after_a_traceback_is_kept_whole_until_the_fence() -> None:
    paste = (
        "```\n"
        "Traceback (most recent call last):\n"
        '  File "/work/train.py", line 4, in <module>\n'
        "OSError: We couldn't connect to 'https://huggingface.co' to load the files.\n"
        "Check your internet connection or see how to run the library in offline mode.\n"
        "```\n"
        "Any idea?\n"
    )
    trace = parse(paste)
    assert trace.final is not None
    assert trace.final.message.splitlines() == [
        "We couldn't connect to 'https://huggingface.co' to load the files.",
        "Check your internet connection or see how to run the library in offline mode.",
    ]


def test_lone_carriage_returns_are_line_breaks_when_there_are_no_newlines() -> None:
    trace = parse(
        f'Traceback (most recent call last):\r  File "/work/train.py", line 4, in <module>\rValueError: {TARGET}\r'
    )
    assert trace.final is not None and trace.final.message == TARGET and len(trace.final.frames) == 1


def test_ipython_chained_exception_rendered_by_interactiveshell() -> None:
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    shell = InteractiveShell.instance()
    cell = (
        "def load(name):\n"
        "    try:\n"
        "        {}[name]\n"
        "    except KeyError as exc:\n"
        f"        raise ValueError({TARGET!r}) from exc\n"
        "load('lm_head')\n"
    )
    with capture_output() as captured:
        shell.run_cell(cell)
    trace = parse(captured.stdout + captured.stderr)
    assert "ipython" in trace.formats
    assert [(b.type, b.link) for b in trace.exceptions] == [("KeyError", "cause"), ("ValueError", None)]
    assert trace.final is not None and trace.final.message == TARGET
    assert [f.function for f in trace.final.frames] == ["<cell>", "load"]


def test_deepspeed_and_accelerate_log_prefixes() -> None:
    paste = (
        "[2026-11-27 23:40:00,001] [INFO] [real_accelerator.py:203:get_accelerator] Setting ds_accelerator to cpu\n"
        "[default1]:[rank1]: Traceback (most recent call last):\n"
        "[default0]:[rank0]: Traceback (most recent call last):\n"
        '[default1]:[rank1]:   File "/work/train.py", line 9, in <module>\n'
        '[default0]:[rank0]:   File "/work/train.py", line 9, in <module>\n'
        f"[default1]:[rank1]: ValueError: {TARGET}\n"
        f"[default0]:[rank0]: ValueError: {TARGET}\n"
        "11/27/2026 23:40:02 - WARNING - accelerate.utils.other - Detected kernel version 5.4.0\n"
    )
    trace = parse(paste)
    assert trace.text_lines[0] == "Setting ds_accelerator to cpu"
    assert len(trace.exceptions) == 1 and trace.exceptions[0].message == TARGET
    assert trace.exceptions[0].line == 6, "rank 1 printed its traceback first"
    assert [(w.message, w.line) for w in trace.warnings] == [("Detected kernel version 5.4.0", 8)]


def test_markdown_quoted_traceback_in_a_reply() -> None:
    paste = (
        "@maintainer as you asked:\n"
        "> > ```\n"
        "> > Traceback (most recent call last):\n"
        '> >   File "/work/train.py", line 9, in <module>\n'
        f"> > ValueError: {TARGET}\n"
        "> > ```\n"
        "Still happens on main.\n"
    )
    trace = parse(paste)
    assert "quote" in trace.formats
    assert trace.final is not None and trace.final.message == TARGET and trace.final.line == 5
    assert trace.final.frames[0].path == "/work/train.py"


def test_accelerate_launch_calledprocesserror_is_set_aside() -> None:
    paste = f"""Traceback (most recent call last):
  File "/work/train.py", line 9, in <module>
    model = get_peft_model(model, config)
ValueError: {TARGET}
Traceback (most recent call last):
  File "/opt/venv/bin/accelerate", line 8, in <module>
    sys.exit(main())
  File "/opt/venv/lib/python3.10/site-packages/accelerate/commands/launch.py", line 1097, in launch_command
    simple_launcher(args)
  File "/opt/venv/lib/python3.10/site-packages/accelerate/commands/launch.py", line 703, in simple_launcher
    raise subprocess.CalledProcessError(returncode=process.returncode, cmd=cmd)
subprocess.CalledProcessError: Command '['/opt/venv/bin/python', 'train.py']' returned non-zero exit status 1.
"""
    trace = parse(paste)
    assert trace.final is not None and (trace.final.type, trace.final.message) == ("ValueError", TARGET)
    assert any("CalledProcessError" in note for note in trace.notes)
