# ruff: noqa: E501  (case texts are kept on one line each, as users paste them)
"""Write bench/heldout/: a held-out set for calibrating and checking the fused score.

Written by hand for this purpose (not copied from the devset nor from KB examples): message
texts as the released libraries render them (see the package sources), paraphrases, Chinese
reports and symptom sentences without a traceback. Rerun to regenerate the folder.
"""

from __future__ import annotations

from pathlib import Path

OUT = Path(__file__).resolve().parent / "heldout"

TB = """Traceback (most recent call last):
  File "/home/alice/proj/train.py", line {n}, in <module>
    {code}
  File "/opt/conda/lib/python3.10/site-packages/{pkg}", line 812, in {fn}
    {inner}
{exc}
"""

CASES: list[tuple[str, str, str]] = [
    # (case, label, text) -- kinds: error line / traceback, symptom sentence, Chinese
    (
        "h001",
        "fp16-unscale-amp",
        TB.format(
            n=88,
            code="trainer.train()",
            pkg="torch/amp/grad_scaler.py",
            fn="_unscale_grads_",
            inner='raise ValueError("Attempting to unscale FP16 gradients.")',
            exc="ValueError: Attempting to unscale FP16 gradients.",
        ),
    ),
    (
        "h002",
        "fp16-unscale-amp",
        "loaded llama in half precision, set fp16=True in the training args and the very first optimizer step dies complaining that it can't unscale fp16 grads",
    ),
    (
        "h003",
        "fp16-unscale-amp",
        "我把模型 .half() 之后开了 fp16 混合精度训练 lora，结果报错说不能 unscale FP16 的梯度",
    ),
    (
        "h004",
        "target-modules-not-found",
        "ValueError: Target modules {'query_key_value'} not found in the base model. Please check the target modules and try again.",
    ),
    (
        "h005",
        "target-modules-not-found",
        "I set target_modules=['q_proj','v_proj'] for gpt2 and peft says those modules are not found in the base model",
    ),
    (
        "h006",
        "target-modules-not-found",
        "给 chatglm 配置 LoRA 时 target_modules 写的是 q_proj，报错说在基础模型里找不到这些模块",
    ),
    (
        "h007",
        "outdated-package",
        "TypeError: LoraConfig.__init__() got an unexpected keyword argument 'use_dora'",
    ),
    (
        "h008",
        "outdated-package",
        "UserWarning: Unexpected keyword arguments ['layer_replication', 'use_dora'] for class LoraConfig, these are ignored. This probably means that you're loading a configuration file that was saved using a higher version of the library and additional parameters have been introduced since. It is highly recommended to upgrade the PEFT version before continuing (e.g. by running `pip install -U peft`).",
    ),
    (
        "h009",
        "outdated-package",
        "加载别人训练好的 adapter 时提示 LoraConfig 不认识 use_rslora 这个参数，是不是我的 peft 版本太旧了",
    ),
    (
        "h010",
        "adapter-config-not-found",
        "ValueError: Can't find 'adapter_config.json' at './output/checkpoint-500'",
    ),
    (
        "h011",
        "adapter-config-not-found",
        "PeftModel.from_pretrained can't find adapter_config.json in the folder I saved to, even though training finished",
    ),
    (
        "h012",
        "adapter-config-not-found",
        "用 PeftModel.from_pretrained 加载 lora 权重，报错找不到 adapter_config.json",
    ),
    (
        "h013",
        "unsupported-target-module-type",
        "ValueError: Target module Dropout(p=0.1, inplace=False) is not supported. Currently, only the following modules are supported: `torch.nn.Linear`, `torch.nn.Embedding`, `torch.nn.Conv1d`, `torch.nn.Conv2d`, `torch.nn.Conv3d`, `transformers.pytorch_utils.Conv1D`, `torch.nn.MultiheadAttention.`.",
    ),
    (
        "h014",
        "unsupported-target-module-type",
        "I pointed LoRA at a LayerNorm layer and peft says the target module type is not supported, only Linear, Embedding and Conv are",
    ),
    (
        "h015",
        "gradient-checkpointing-no-grad",
        TB.format(
            n=120,
            code="loss.backward()",
            pkg="torch/autograd/__init__.py",
            fn="backward",
            inner="_engine_run_backward(",
            exc="RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn",
        ),
    ),
    (
        "h016",
        "gradient-checkpointing-no-grad",
        "with gradient_checkpointing=True and a LoRA model, backward fails saying element 0 of tensors does not require grad",
    ),
    (
        "h017",
        "gradient-checkpointing-no-grad",
        "开启梯度检查点训练 LoRA，backward 时报错 element 0 of tensors does not require grad and does not have a grad_fn",
    ),
    (
        "h018",
        "extended-vocab-embeddings",
        "RuntimeError: Error(s) in loading state_dict for PeftModelForCausalLM:\n\tsize mismatch for base_model.model.model.embed_tokens.weight: copying a param with shape torch.Size([49954, 4096]) from checkpoint, the shape in current model is torch.Size([32000, 4096]).",
    ),
    (
        "h019",
        "extended-vocab-embeddings",
        "I added new tokens to the tokenizer before fine-tuning; now loading the adapter on the original base model fails with a size mismatch on embed_tokens and lm_head",
    ),
    (
        "h020",
        "extended-vocab-embeddings",
        "扩充了中文词表之后训练的 lora，加载到原始 llama 上报 size mismatch，embed_tokens 形状不一样",
    ),
    (
        "h021",
        "generate-positional-args",
        "TypeError: PeftModelForCausalLM.generate() takes 1 positional argument but 2 were given",
    ),
    (
        "h022",
        "generate-positional-args",
        "calling peft_model.generate(input_ids) without the keyword fails with takes 1 positional argument but 2 were given",
    ),
    (
        "h023",
        "generate-positional-args",
        "PeftModel 调用 generate(inputs) 报错 takes 1 positional argument but 2 were given，需要写成关键字参数吗",
    ),
    (
        "h024",
        "wrong-task-type",
        "TypeError: LlamaModel.forward() got an unexpected keyword argument 'labels'",
    ),
    (
        "h025",
        "wrong-task-type",
        "my LoRA model forward rejects the labels argument: got an unexpected keyword argument 'labels' - I did not set task_type in LoraConfig",
    ),
    (
        "h026",
        "wrong-task-type",
        "LoraConfig 没写 task_type，训练时 forward 报错 unexpected keyword argument 'labels'",
    ),
    (
        "h027",
        "eval-mode-dropout",
        "the same prompt gives different outputs every time I run my peft model, even with do_sample=False; lora_dropout is 0.1",
    ),
    ("h028", "eval-mode-dropout", "LoRA 模型推理时每次结果都不一样，没有采样，好像 dropout 还在生效"),
    (
        "h029",
        "eval-mode-dropout",
        "inference results are not deterministic after loading with is_trainable=True, two forward passes on the same input differ",
    ),
    (
        "h030",
        "trained-adapter-loaded-with-get-peft-model",
        "after loading my trained LoRA adapter the model behaves exactly like the base model, I used get_peft_model with LoraConfig.from_pretrained",
    ),
    (
        "h031",
        "trained-adapter-loaded-with-get-peft-model",
        "训练好的 lora 加载后效果和原始模型一模一样，我是用 get_peft_model 加载的",
    ),
    (
        "h032",
        "modules-to-save-missing-head",
        "after reloading my LoRA sequence classification model the accuracy is random, the classifier head seems not saved",
    ),
    (
        "h033",
        "modules-to-save-missing-head",
        "LoRA 做文本分类，保存再加载之后分类头是随机初始化的，准确率掉到随机水平",
    ),
    (
        "h034",
        "merge-quantized-rounding",
        "UserWarning: Merge lora module to 4-bit linear may get different generations due to rounding errors.",
    ),
    (
        "h035",
        "merge-quantized-rounding",
        "合并 lora 到 8bit 模型时一直警告 may get different generations due to rounding errors",
    ),
    ("h036", "target-modules-unspecified", "ValueError: Please specify `target_modules` in `peft_config`"),
    (
        "h037",
        "target-modules-unspecified",
        "peft asks me to specify target_modules for my custom architecture, there is no default for this model type",
    ),
    ("h038", "adapter-name-not-found", "ValueError: Adapter sql_adapter not found."),
    (
        "h039",
        "adapter-name-not-found",
        "model.set_adapter('chat') fails saying the adapter is not found although I loaded it",
    ),
    (
        "h040",
        "conv1d-fan-in-fan-out",
        "UserWarning: fan_in_fan_out is set to False but the target module is `Conv1D`. Setting fan_in_fan_out to True.",
    ),
    (
        "h041",
        "generate-sampling-seed",
        "my LoRA model gives a different answer each time because do_sample=True and I never set a seed",
    ),
    (
        "h042",
        "target-modules-regex-partial",
        "I passed target_modules as a regex string and only some of the layers got LoRA, the others were silently skipped",
    ),
    ("h043", "none", "ModuleNotFoundError: No module named 'flash_attn'"),
    ("h044", "none", "how do I bake a sourdough bread with a crispy crust"),
    ("h045", "none", "KeyError: 'input_ids'"),
    (
        "h046",
        "none",
        "ConnectionError: HTTPSConnectionPool(host='huggingface.co', port=443): Max retries exceeded",
    ),
    ("h047", "none", "数据集加载很慢，有没有办法加速 tokenize"),
    ("h048", "none", "ImportError: numpy.core.multiarray failed to import"),
]


def main() -> None:
    (OUT / "cases").mkdir(parents=True, exist_ok=True)
    lines = []
    for case, label, text in CASES:
        (OUT / "cases" / f"{case}.txt").write_text(text.rstrip("\n") + "\n", encoding="utf-8")
        lines.append(f"- {{case: {case}, label: {label}}}")
    (OUT / "labels.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(CASES)} cases to {OUT}")


if __name__ == "__main__":
    main()
