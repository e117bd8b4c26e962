"""Verification checks on tiny models built from configs: behaviour beyond the per-check contract.

The contract every check keeps (planted fault confirmed, clean state not, model unchanged,
``diagnose()`` reports exactly the planted fault) is in ``test_check_contract.py``, over the
discovered checks and their ``check_fixtures/<name>.py`` modules.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from peft_why.kb.checks import has_check
from peft_why.kb.checks._runner import CHECKS, ORDER, diagnose, run_check, verify
from peft_why.kb.checks.api import CONFIRMED, NOT_CONFIRMED, CheckContext, Finding

from .check_fixtures import Scenario, Vocab, clean_inference, clean_model, clean_training, lora, saved, tiny, trained
from .check_fixtures import gradient_checkpointing_no_grad as gradient_checkpointing_fixtures
from .check_fixtures import trained_adapter_loaded_with_get_peft_model as trained_adapter_fixtures

pytestmark = pytest.mark.repro


def run(name: str, scenario: Scenario) -> Finding:
    ctx = CheckContext(model=scenario.model, phase=scenario.phase, **scenario.context)
    return run_check(name, ctx)


# --- tests ----------------------------------------------------------------------------------------


def test_every_check_is_a_module_with_a_check_function() -> None:
    assert len(CHECKS) >= 12 and len(set(CHECKS)) == len(CHECKS)
    for name in CHECKS:
        assert has_check(name), name


@pytest.mark.parametrize("phase", ["training", "inference"])
def test_diagnose_on_a_clean_model_confirms_nothing(phase: str, tmp_path: Path) -> None:
    scenario = clean_training(tmp_path) if phase == "training" else clean_inference(tmp_path)
    findings = diagnose(scenario.model, **scenario.context)  # phase="auto" follows model.training
    assert not [f for f in findings if f.status in ("confirmed", "error")], findings


def test_phase_gated_checks_stay_quiet_in_the_wrong_phase(tmp_path: Path) -> None:
    fresh = lora(tiny()).train()  # B = 0 and train mode: normal before training
    findings = {f.check: f for f in diagnose(fresh)}
    assert findings["trained_adapter_loaded_with_get_peft_model"].status == "not-applicable"
    assert findings["eval_mode_dropout"].status == "not-applicable"
    assert not [f for f in findings.values() if f.status == "confirmed"]


def test_verify_runs_a_check_in_the_phase_where_its_fault_matters() -> None:
    fresh = lora(tiny()).train()
    result = verify("trained-adapter-loaded-with-get-peft-model", fresh)
    assert result.status == "confirmed"
    assert verify("no-such-entry", fresh).status == "not-applicable"


def test_train_mode_with_every_dropout_at_zero_is_not_confirmed_with_a_note() -> None:
    result = verify("eval-mode-dropout", clean_model().train())
    assert result.status == "not-confirmed"
    assert "p=0" in result.message and result.note


def test_fp32_head_on_a_half_model_is_a_dtype_mismatch_outside_autocast() -> None:
    model = trained(lora(tiny().half()))  # LoRA weights upcast to fp32: fine, peft casts their input
    assert verify("dtype-mismatch", model).status == "not-confirmed"
    model.base_model.model.lm_head.float()  # what "upcast every trainable parameter" does to a saved head
    result = verify("dtype-mismatch", model.train())  # asked for explicitly: checked in any phase
    assert result.status == "confirmed" and any("lm_head" in line for line in result.evidence)
    assert diagnose(model, phase="training", entries=["dtype-mismatch"])[0].status == "not-confirmed"


def test_zero_lora_b_with_evidence_from_the_saved_trained_adapter(tmp_path: Path) -> None:
    scenario = trained_adapter_fixtures.fault(tmp_path)
    result = run("trained_adapter_loaded_with_get_peft_model", scenario)
    assert any("never loaded" in line for line in result.evidence), result


def test_head_check_reads_a_saved_adapter_and_base_config_without_a_model(tmp_path: Path) -> None:
    base_dir = str(tmp_path / "base")
    tiny("classifier").save_pretrained(base_dir)
    missing = saved(trained(lora(tiny("classifier"))), tmp_path / "a")
    with_head = saved(trained(lora(tiny("classifier"), task_type="SEQ_CLS")), tmp_path / "b")
    result = verify("modules-to-save-missing-head", adapter_dir=missing, base_dir=base_dir)
    assert result.status == "confirmed", result
    assert verify("modules-to-save-missing-head", adapter_dir=with_head).status == "not-confirmed"


def test_tokenizer_larger_than_the_embeddings_is_confirmed() -> None:
    model = clean_model()
    assert verify("extended-vocab-embeddings", model, tokenizer=Vocab(140)).status == "confirmed"
    assert verify("extended-vocab-embeddings", model, tokenizer=Vocab(120)).status == "not-confirmed"


def test_target_modules_checked_against_a_plain_model_and_a_config(tmp_path: Path) -> None:
    from peft import LoraConfig

    base = tiny()
    bad = verify("target-modules-not-found", base, peft_config=LoraConfig(target_modules=["c_attn"]))
    assert bad.status == "confirmed" and any("c_attn: 0 modules" in line for line in bad.evidence)
    good = verify("target-modules-not-found", base, peft_config=LoraConfig(target_modules=["q_proj"]))
    assert good.status == "not-confirmed" and any("q_proj: 2 modules" in line for line in good.evidence)


def test_target_modules_checked_from_files_on_a_meta_model(tmp_path: Path) -> None:
    base_dir = str(tmp_path / "base")
    tiny().save_pretrained(base_dir)
    adapter = saved(trained(lora(tiny(), target_modules=["q_proj", "query_key_value"])), tmp_path / "a")
    result = verify("target-modules-not-found", adapter_dir=adapter, base_dir=base_dir)
    assert result.status == "confirmed" and "query_key_value" in result.message


def test_gradient_checkpointing_fault_really_fails_backward() -> None:
    scenario = gradient_checkpointing_fixtures.fault(Path("."))
    import torch

    ids = torch.tensor([[1, 5, 9, 17]])
    with pytest.raises(RuntimeError, match="does not require grad"), pytest.warns(UserWarning):
        scenario.model(input_ids=ids, labels=ids).loss.backward()


class FullyShardedDataParallel:  # named like torch's wrapper; only the name and .modules matter
    pass


@pytest.mark.parametrize("how", ["zero3", "fsdp"])
def test_sharded_models_answer_not_applicable(how: str, tmp_path: Path) -> None:
    import torch

    model = trained_adapter_fixtures.fault(tmp_path).model
    if how == "zero3":
        for index, param in enumerate(model.parameters()):
            param.ds_id = index
    else:
        wrapper = type("FullyShardedDataParallel", (torch.nn.Module,), {})()
        wrapper.module = model
        model = wrapper
    findings = {f.check: f for f in diagnose(model, phase="inference")}
    assert {f.status for f in findings.values()} == {"not-applicable"}, findings
    model_level = set(ORDER) - {"outdated_package", "zero3_empty_adapter_save", "fp16_unscale_amp"}
    model_level -= {"no_trainable_params", "gradient_checkpointing_no_grad"}  # training-phase: quiet first
    for name in model_level:
        assert "sharded" in findings[name].message, findings[name]


def test_find_models_prefers_the_peft_model_in_the_failing_frames() -> None:
    from peft_why.kb.checks._frames import find_models

    model = clean_model()

    class Trainer:
        def __init__(self, model: Any) -> None:
            self.model = model

    def inner(layer: Any) -> None:
        raise RuntimeError("boom")

    def train(trainer: Trainer) -> None:
        inner(trainer.model.base_model.model.model.layers[0])

    try:
        train(Trainer(model))
    except RuntimeError as exc:
        found = find_models(exc)
    assert found and found[0].model is model and found[0].is_peft
    assert "trainer.model" in found[0].where
    assert len(found) == 1  # the layer is part of the model, not another candidate


def test_layer_replication_copies_are_not_reported_as_tied_embeddings() -> None:
    replicated = lora(tiny(), layer_replication=[[0, 2], [1, 2]])  # blocks [0, 1, 1]: the two 1s share weights
    found = run_check("tied_embeddings_in_adapter", CheckContext(model=replicated))
    assert found.status == NOT_CONFIRMED, found


def test_module_renaming_finds_one_consistent_prefix_change_or_none() -> None:
    from peft_why.kb.checks.api import module_renaming

    here = [f"model.language_model.layers.{i}.self_attn.{p}" for i in range(2) for p in ("q_proj", "v_proj")]
    saved = [name.replace("language_model.", "") for name in here]
    assert module_renaming(saved, here) == ("model.", "model.language_model.")
    assert module_renaming(["q_proj"], ["a.q_proj"]) is None  # a bare leaf name decides nothing
    assert module_renaming(["transformer.h.0.attn.c_attn"], here) is None  # another architecture
    mixed = [saved[0], "base.layers.1.self_attn.v_proj"]
    assert module_renaming(mixed, [*here, "other.base.layers.1.self_attn.v_proj"]) is None  # two different renames


def test_renamed_keys_of_another_models_adapter_stay_adapter_base_mismatch(tmp_path: Path) -> None:
    from safetensors.torch import load_file, save_file

    from .check_fixtures.adapter_base_mismatch import wider

    adapter = saved(trained(lora(wider())), tmp_path / "wide")
    weights = Path(adapter) / "adapter_model.safetensors"
    save_file({k.replace("model.layers.", "model.decoder.layers."): v for k, v in load_file(weights).items()}, weights)
    ctx = CheckContext(model=tiny(), adapter_dir=adapter)
    assert run_check("adapter_base_mismatch", ctx).status == CONFIRMED  # renamed, but the shapes do not fit
    assert run_check("adapter_keys_not_in_model", ctx).status == NOT_CONFIRMED


def test_finding_round_trips_through_json() -> None:
    finding = verify("dtype-mismatch", clean_model())
    assert Finding.from_dict(json.loads(json.dumps(finding.to_dict()))) == finding
    assert str(finding).startswith("not-confirmed: dtype-mismatch: ") and "\nFix: " in str(finding)


def test_peft_why_exposes_diagnose_and_verify_lazily() -> None:
    import peft_why
    from peft_why.matcher.diagnose import verify as verify_entry

    assert peft_why.diagnose is diagnose and peft_why.verify is verify_entry  # verify resolves the entry's verify:


def test_checks_run_without_peft_why_or_its_dependencies(tmp_path: Path) -> None:
    """kb/checks loaded by path in a child interpreter where pydantic, rich and peft_why cannot import."""
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[2]
    script = f"""
import sys
for name in ("pydantic", "rich", "rapidfuzz", "click", "peft_why"):  # transformers needs regex, yaml
    sys.modules[name] = None
sys.path.insert(0, {str(repo / "bench")!r})
import gpu_verify
runner = gpu_verify.checks_package()
from transformers import LlamaConfig, LlamaForCausalLM
from peft import LoraConfig, get_peft_model
config = LlamaConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                     num_key_value_heads=2, vocab_size=128)
model = get_peft_model(LlamaForCausalLM(config), LoraConfig(r=4, target_modules=["q_proj"])).eval()
print(sorted((f.entry_id, f.status) for f in runner.diagnose(model) if f.status in ("confirmed", "error")))
sys.exit(gpu_verify.main())
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "[('trained-adapter-loaded-with-get-peft-model', 'confirmed')]" in done.stdout, done.stdout
    assert "needs a CUDA device" in done.stdout


def test_find_objects_brings_config_trainer_arguments_and_adapter_folder(tmp_path: Path) -> None:
    from peft import LoraConfig

    from peft_why.kb.checks._frames import find_objects

    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text("{}")

    class TrainingArguments:  # named like transformers' class; only the name along the MRO matters
        output_dir = "out"

    class SFTConfig(TrainingArguments):
        pass

    class MyTrainer:
        def __init__(self, model: Any, args: Any) -> None:
            self.model, self.args = model, args

    def fail(trainer: MyTrainer, config: Any, path: str) -> None:
        raise ValueError("boom")

    model, config, args = tiny(), LoraConfig(target_modules=["query_key_value"]), SFTConfig()
    try:
        fail(MyTrainer(model, args), config, str(adapter))
    except ValueError as exc:
        found = find_objects(exc)
    context = found.context()
    assert context["model"] is model and context["peft_config"] is config
    assert context["training_args"] is args and isinstance(context["trainer"], MyTrainer)
    assert context["adapter_dir"] == str(adapter)
    assert verify("target-modules-not-found", **context).status == "confirmed"


def test_a_half_built_peft_model_yields_the_users_model() -> None:
    from peft import LoraConfig, get_peft_model

    from peft_why.kb.checks._frames import find_objects

    model = tiny()
    try:
        get_peft_model(model, LoraConfig(target_modules=["c_attn"]))
    except ValueError as exc:
        found = find_objects(exc)
    assert found.models[0].model is model and found.models[0].where.endswith(": model")
    assert list(found.peft_configs[0].value.target_modules) == ["c_attn"]


def test_find_objects_never_raises_and_respects_its_budget() -> None:
    from peft_why.kb.checks._frames import find_objects

    class Hostile:
        def __getattr__(self, name: str) -> Any:
            raise RuntimeError("no attributes here")

    def fail(thing: Any, model: Any) -> None:
        raise ValueError("boom")

    model = tiny()
    try:
        fail(Hostile(), model)
    except ValueError as exc:
        assert find_objects(exc).context() == {"model": model}
        assert find_objects(exc, seconds=0).models == []


def test_target_modules_lists_adaptable_layers_by_type_quantized_by_class_name() -> None:
    import torch

    from peft_why.kb.checks.target_modules_not_found import adaptable_by_type, layer_type

    class Linear4bit(torch.nn.Linear):  # bitsandbytes' class name, without bitsandbytes
        pass

    class Net(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.query = Linear4bit(4, 4)
            self.conv = torch.nn.Conv2d(1, 1, 1)
            self.emb = torch.nn.Embedding(4, 4)
            self.norm = torch.nn.LayerNorm(4)

    net = Net()
    assert layer_type(net.query) == "Linear4bit" and layer_type(net.norm) is None
    assert adaptable_by_type(net) == ["Linear4bit (1): query", "Conv2d (1): conv", "Embedding (1): emb"]
    from peft import LoraConfig

    result = verify("target-modules-not-found", net, peft_config=LoraConfig(target_modules=["q_proj"]))
    assert result.status == "confirmed" and "Linear4bit (1): query" in result.evidence


def test_diagnose_exception_with_verify_attaches_the_finding_from_the_frames() -> None:
    from peft import LoraConfig, get_peft_model

    from peft_why.matcher.diagnose import diagnose_exception

    try:
        get_peft_model(tiny(), LoraConfig(target_modules=["c_attn"]))
    except ValueError as exc:
        plain = diagnose_exception(exc, stages=["regex"])
        verified = diagnose_exception(exc, stages=["regex"], verify=True)
    assert plain[0].verification is None and "verification" not in plain[0].to_dict()
    assert verified[0].id == "target-modules-not-found"
    assert verified[0].verification is not None and verified[0].verification["status"] == "confirmed"
    assert verified[0].to_dict()["verification"]["message"] == "1 target_modules match no module: c_attn"


def test_live_checks_are_abandoned_at_their_budget_and_a_raising_one_is_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import threading
    import time

    from peft import LoraConfig, get_peft_model

    from peft_why.kb.checks import eval_mode_dropout, target_modules_not_found
    from peft_why.kb.checks._live import verify_from_frames

    release = threading.Event()

    def stuck(ctx: Any) -> Any:
        release.wait(30)
        raise RuntimeError("released")

    def boom(ctx: Any) -> Any:
        raise RuntimeError("x" * 500)

    monkeypatch.setattr(target_modules_not_found, "check", stuck)
    monkeypatch.setattr(eval_mode_dropout, "check", boom)
    try:
        get_peft_model(tiny(), LoraConfig(target_modules=["c_attn"]))
    except ValueError as exc:
        started = time.monotonic()
        try:
            _, found = verify_from_frames(exc, ["eval-mode-dropout", "target-modules-not-found"], seconds=0.5)
        finally:
            release.set()
    assert time.monotonic() - started < 5
    assert found["target-modules-not-found"].message == "the check did not finish within 0.5 s; skipped"
    assert found["eval-mode-dropout"].status == "error" and len(found["eval-mode-dropout"].message) <= 200


@pytest.mark.parametrize("how", ["zero-bytes", "empty-state-dict", "truncated-bin", "short-header"])
def test_empty_adapter_saved_reads_every_broken_file_without_raising(how: str, tmp_path: Path) -> None:
    import torch
    from safetensors.torch import save_file

    folder = tmp_path / how
    folder.mkdir()
    if how == "zero-bytes":
        (folder / "adapter_model.safetensors").write_bytes(b"")
    elif how == "empty-state-dict":
        save_file({}, str(folder / "adapter_model.safetensors"))
    elif how == "truncated-bin":
        torch.save({"a.lora_A.weight": torch.ones(4, 8)}, str(folder / "adapter_model.bin"))
        data = (folder / "adapter_model.bin").read_bytes()
        (folder / "adapter_model.bin").write_bytes(data[: len(data) // 2])
    else:
        (folder / "adapter_model.safetensors").write_bytes((10_000).to_bytes(8, "little") + b"{}")
    result = verify("empty-adapter-saved", adapter_dir=str(folder))
    assert result.status == "confirmed", result


def test_adapter_base_mismatch_fault_really_fails_to_load(tmp_path: Path) -> None:
    from peft import PeftModel

    from .check_fixtures import adapter_base_mismatch as fixtures

    scenario = fixtures.fault(tmp_path)
    with pytest.raises(RuntimeError, match="size mismatch"):
        PeftModel.from_pretrained(scenario.model, scenario.context["adapter_dir"])


def test_unsupported_target_module_type_fault_really_raises(tmp_path: Path) -> None:
    from peft import get_peft_model

    from .check_fixtures import unsupported_target_module_type as fixtures

    scenario = fixtures.fault(tmp_path)
    with pytest.raises(ValueError, match="is not supported"):
        get_peft_model(scenario.model, scenario.context["peft_config"])


def test_regex_alternation_without_a_group_is_confirmed_and_a_chosen_subset_is_not() -> None:
    from peft import LoraConfig

    alternation = verify(
        "target-modules-regex-partial", tiny(), peft_config=LoraConfig(target_modules="q_proj|.*v_proj")
    )
    assert alternation.status == "confirmed" and "'q_proj'" in alternation.evidence[0], alternation
    subset = verify(
        "target-modules-regex-partial", tiny(), peft_config=LoraConfig(target_modules=r".*\.1\.self_attn\.q_proj")
    )
    assert subset.status == "not-confirmed", subset


def test_adapter_config_not_found_on_a_missing_folder_and_quiet_on_a_hub_id(tmp_path: Path) -> None:
    assert verify("adapter-config-not-found", adapter_dir=str(tmp_path / "nope")).status == "confirmed"
    assert verify("adapter-config-not-found", adapter_dir="someone/some-adapter").status == "not-applicable"
