"""``peft-why verify``: from a saved base model folder and a saved adapter folder (tiny, built here).

The check runs in a child interpreter, so each model-loading case costs one torch import (~10 s).
"""

from __future__ import annotations

import importlib
import json
import os
import pickle
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from peft_why.cli.main import cli

pytestmark = pytest.mark.repro

LLAMA: dict[str, Any] = dict(
    hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
    num_key_value_heads=2, vocab_size=128, max_position_embeddings=64,
)  # fmt: skip


def _run(args: list[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, args)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A saved base model, a fresh (untrained) adapter pointing at it, a trained one, and a ZeRO-3 save."""
    import torch
    import transformers
    from peft import LoraConfig, get_peft_model
    from safetensors.torch import save_file

    LlamaConfig: Any = transformers.LlamaConfig
    LlamaForCausalLM: Any = transformers.LlamaForCausalLM

    root = tmp_path_factory.mktemp("verify")
    torch.manual_seed(0)
    base = str(root / "base")
    LlamaForCausalLM(LlamaConfig(**LLAMA)).save_pretrained(base)
    model = get_peft_model(LlamaForCausalLM.from_pretrained(base), LoraConfig(r=4, target_modules=["q_proj", "v_proj"]))
    model.peft_config["default"].base_model_name_or_path = base
    fresh, trained, zero3 = str(root / "fresh"), str(root / "trained"), str(root / "zero3")
    model.save_pretrained(fresh)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "lora_B" in name:
                param.normal_()
    model.save_pretrained(trained)
    model.save_pretrained(zero3)
    names = [name for name, _ in model.state_dict().items() if "lora_" in name]
    save_file(
        {f"{n.replace('.default', '')}": torch.empty(0) for n in names},
        os.path.join(zero3, "adapter_model.safetensors"),
    )
    return {"base": base, "fresh": fresh, "trained": trained, "zero3": zero3, "root": str(root)}


def test_verify_confirms_from_base_and_adapter_folders(folders: dict[str, str]) -> None:
    entry = "trained-adapter-loaded-with-get-peft-model"
    code, out, _ = _run(["verify", entry, "--model", folders["base"], "--adapter", folders["fresh"], "--device", "cpu"])
    assert code == 0, out
    assert out.startswith("CONFIRMED") and "LoRA B" in out and "Fix:" in out


def test_verify_not_confirmed_json_with_the_users_interpreter(folders: dict[str, str]) -> None:
    entry = "trained-adapter-loaded-with-get-peft-model"
    args = [
        "verify",
        entry,
        "--model",
        folders["base"],
        "--adapter",
        folders["trained"],
        "--json",
        "--python",
        sys.executable,
    ]
    code, out, _ = _run(args)
    assert code == 1, out
    finding = json.loads(out)
    assert finding["status"] == "not-confirmed" and finding["check"] == "trained_adapter_loaded_with_get_peft_model"


def test_verify_with_an_adapter_folder_as_model_finds_its_base(folders: dict[str, str]) -> None:
    code, out, _ = _run(["verify", "target-modules-not-found", "--model", folders["fresh"], "--json"])
    assert code == 1, out
    assert "[default] q_proj: 2 modules" in json.loads(out)["evidence"]


def test_verify_adapter_alone_runs_the_file_checks(folders: dict[str, str]) -> None:
    code, out, _ = _run(["verify", "zero3-empty-adapter-save", "--adapter", folders["zero3"], "--json"])
    assert code == 0, out
    assert json.loads(out)["status"] == "confirmed"
    code, out, _ = _run(["verify", "zero3-empty-adapter-save", "--adapter", folders["trained"]])
    assert code == 1 and out.startswith("NOT-CONFIRMED")
    code, out, _ = _run(["verify", "trained-adapter-loaded-with-get-peft-model", "--adapter", folders["trained"]])
    assert code == 3 and out.startswith("NOT-APPLICABLE")  # needs a model


def test_verify_refuses_a_pickle_that_would_run_code(folders: dict[str, str], tmp_path: Path) -> None:
    evil = tmp_path / "evil"
    evil.mkdir()
    (evil / "config.json").write_text(Path(folders["base"], "config.json").read_text())

    class Payload:
        def __reduce__(self) -> Any:
            return (os.system, ("echo pwned > " + str(tmp_path / "pwned"),))

    (evil / "pytorch_model.bin").write_bytes(pickle.dumps({"w": Payload()}))
    code, out, _ = _run(["verify", "no-trainable-params", "--model", str(evil), "--json"])
    assert code == 4, out
    assert "weights_only" in json.loads(out)["message"]
    assert not (tmp_path / "pwned").exists()


def test_verify_times_out_as_a_failed_check(folders: dict[str, str]) -> None:
    code, out, _ = _run(["verify", "no-trainable-params", "--model", folders["base"], "--timeout", "1", "--json"])
    assert code == 4 and "did not finish" in json.loads(out)["message"]


def test_verify_usage_errors(folders: dict[str, str]) -> None:
    assert _run(["verify", "no-trainable-params"])[0] == 2
    code, _, err = _run(["verify", "no-such-entry-anywhere", "--adapter", folders["trained"]])
    assert code == 2 and "no KB entry" in err
    assert _run(["verify", "no-trainable-params", "--model", "./no/such/model"])[0] == 2
    assert _run(["verify", "no-trainable-params", "--adapter", "."])[0] == 2  # no adapter_config.json
    assert _run(["verify", "no-trainable-params", "--model", ".", "--python", "/no/such/python"])[0] == 2


def test_verify_entry_without_a_check_is_not_applicable(
    monkeypatch: pytest.MonkeyPatch, folders: dict[str, str]
) -> None:
    import peft_why.kb.checks as checks

    monkeypatch.setattr(checks, "has_check", lambda name: False)
    code, out, _ = _run(["verify", "fp16-unscale-amp", "--adapter", folders["trained"], "--json"])
    assert code == 3 and json.loads(out)["status"] == "not-applicable"


def test_match_verify_runs_the_best_matchs_check_on_the_adapter(folders: dict[str, str]) -> None:
    zero3_paste = (
        "RuntimeError: Error(s) in loading state_dict for PeftModelForCausalLM:\n"
        "\tsize mismatch for base_model.model.model.layers.0.self_attn.q_proj.lora_A.default.weight: copying a param "
        "with shape torch.Size([0]) from checkpoint, the shape in current model is torch.Size([4, 32]).\n"
    )
    args = ["match", "--json", "--verify", "--adapter", folders["zero3"], "--device", "cpu", "-"]
    result = CliRunner().invoke(cli, args, input=zero3_paste)
    row = json.loads(result.stdout.splitlines()[0])
    assert row["matches"][0]["id"] == "zero3-empty-adapter-save"
    assert row["verification"]["entry_id"] == "zero3-empty-adapter-save"
    assert row["verification"]["status"] == "confirmed"
    assert result.exit_code == 0


def test_match_verify_needs_a_model_or_adapter() -> None:
    result = CliRunner().invoke(cli, ["match", "--verify", "-"], input="x")
    assert result.exit_code == 2 and "--verify needs --model" in result.stderr


# -- differential verification: every candidate within reach, one load of the model ----------------

DIFFER = "the adapter has no effect after loading it, generations identical to the base model\n"
CHEAP_STAGES = ["--stages", "regex,lexical,fuzzy,symptom"]  # the same top three as with semantic, and no model


def _match_verify(args: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, dict[str, Any], str, int]:
    """``match --json --verify ARGS`` on DIFFER: exit code, the row, stderr, and how many workers ran."""
    import subprocess

    from peft_why.kb.checks import _isolated

    runs: list[Any] = []
    real_run = subprocess.run

    def counting_run(*a: Any, **k: Any) -> Any:
        runs.append(a)
        return real_run(*a, **k)

    monkeypatch.setattr(_isolated.subprocess, "run", counting_run)
    result = CliRunner().invoke(cli, ["match", "--json", "--verify", *CHEAP_STAGES, *args, "-"], input=DIFFER)
    return result.exit_code, json.loads(result.stdout.splitlines()[0]), result.stderr, len(runs)


def test_match_verify_checks_the_candidates_on_one_load_and_reranks(
    folders: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ["--model", folders["base"], "--adapter", folders["fresh"], "--device", "cpu"]
    code, row, _, workers = _match_verify(args, monkeypatch)
    assert code == 0 and workers == 1
    ids = [m["id"] for m in row["matches"]]
    # unverified order: trained-adapter-loaded-with-get-peft-model, empty-adapter-saved, torch-compile-adapter;
    # every candidate has a check: confirmed first, the not-confirmed ones after it in matcher order
    assert ids == ["trained-adapter-loaded-with-get-peft-model", "empty-adapter-saved", "torch-compile-adapter"]
    first, complete, uncompiled = row["matches"]
    assert first["verification"]["status"] == "confirmed" and "LoRA B" in first["verification"]["message"]
    assert complete["verification"]["status"] == "not-confirmed" and "tensors" in complete["verification"]["message"]
    assert uncompiled["verification"]["status"] in ("not-confirmed", "not-applicable")
    assert row["verification"] == first["verification"]  # the row-level field, for older readers


def test_match_verify_output_follows_the_documented_schema(
    folders: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import jsonschema

    schema = json.loads((Path(__file__).parents[2] / "docs/schema/match-result.schema.json").read_text())
    args = ["--model", folders["base"], "--adapter", folders["fresh"], "--device", "cpu"]
    _, row, _, _ = _match_verify(args, monkeypatch)
    jsonschema.validate(row, schema)
    traced = CliRunner().invoke(cli, ["match", "--json", "--debug-trace", "-"], input=DIFFER)
    jsonschema.validate(json.loads(traced.stdout), schema)
    broken = {**row, "matches": [{**row["matches"][0], "verification": {"status": "maybe"}}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_match_verify_a_folder_that_is_not_a_model_is_one_line(
    folders: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    args = ["--model", str(tmp_path), "--adapter", folders["fresh"], "--device", "cpu"]
    code, row, err, workers = _match_verify(args, monkeypatch)
    assert code == 0 and workers == 1  # exit codes are the matcher's; verification never changes them
    lines = [line for line in err.splitlines() if "config.json" in line]
    assert lines == [f"peft-why: could not load: {tmp_path} has no config.json (not a transformers model folder)"]
    verdicts = {m["id"]: m.get("verification", {}).get("status") for m in row["matches"]}
    assert verdicts["trained-adapter-loaded-with-get-peft-model"] == "error"
    assert verdicts["empty-adapter-saved"] == "not-confirmed"  # a file-level check still reads the adapter folder


def test_match_verify_an_adapter_of_another_base_is_one_line(
    folders: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import torch
    import transformers
    from peft import LoraConfig, get_peft_model

    wider = transformers.LlamaForCausalLM(transformers.LlamaConfig(**{**LLAMA, "hidden_size": 48}))
    torch.manual_seed(1)
    get_peft_model(wider, LoraConfig(r=4, target_modules=["q_proj"])).save_pretrained(str(tmp_path / "wide"))
    args = ["--model", folders["base"], "--adapter", str(tmp_path / "wide"), "--device", "cpu"]
    code, row, err, _ = _match_verify(args, monkeypatch)
    assert code == 0
    lines = [line for line in err.splitlines() if "another base model" in line]
    assert len(lines) == 1 and "torch.Size([4, 48]) saved, torch.Size([4, 32]) here" in lines[0]
    assert all("verification" in m for m in row["matches"] if m["id"] != "empty-adapter-saved")


def test_worker_runs_the_other_checks_when_one_raises_and_one_hangs(
    folders: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io
    import threading

    from peft_why.kb.checks import _worker

    package = _worker._package()
    raising = importlib.import_module(f"{package}.eval_mode_dropout")
    hanging = importlib.import_module(f"{package}.dtype_mismatch")
    release = threading.Event()

    def boom(ctx: Any) -> Any:
        raise RuntimeError("a check bug")

    def stuck(ctx: Any) -> Any:
        release.wait(30)
        raise RuntimeError("released")

    monkeypatch.setattr(raising, "check", boom)
    monkeypatch.setattr(hanging, "check", stuck)
    entries = ["eval-mode-dropout", "dtype-mismatch", "trained-adapter-loaded-with-get-peft-model"]
    request = {"entry_ids": entries, "model": folders["base"], "adapter": folders["fresh"], "device": "cpu",
               "check_seconds": 1}  # fmt: skip
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(request)))
    try:
        assert _worker.main() == 0
    finally:
        release.set()
    out, err = capsys.readouterr()
    found = [json.loads(line[len(_worker.MARKER) :]) for line in out.splitlines() if line.startswith(_worker.MARKER)]
    assert [(f["entry_id"], f["status"]) for f in found] == [
        ("eval-mode-dropout", "error"),
        ("dtype-mismatch", "error"),
        ("trained-adapter-loaded-with-get-peft-model", "confirmed"),
    ]
    assert "RuntimeError: a check bug" in found[0]["message"]
    assert found[1]["message"] == "the check did not finish within 1 s; skipped"
    assert len([line for line in err.splitlines() if line.startswith("peft-why: eval-mode-dropout:")]) == 1
    assert len([line for line in err.splitlines() if line.startswith("peft-why: dtype-mismatch:")]) == 1
