"""``peft-why verify``: from a saved base model folder and a saved adapter folder (tiny, built here).

The check runs in a child interpreter, so each model-loading case costs one torch import (~10 s).
"""

from __future__ import annotations

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
