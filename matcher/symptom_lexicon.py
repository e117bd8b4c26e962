# ruff: noqa: E501  -- one regex per line reads better than split string literals; this file is data
"""The symptom stage's bilingual lexicon: what a user *sees* and what they *did*, as facets.

Each facet is a short name plus the English and Chinese phrasings that signal it. The
lexicon is applied the same way to a paste and to the entries' ``presentations``, so an
entry's facets are derived from its own prose and never listed twice. ``see:`` facets are
observations (a symptom without an error message), ``did:`` facets are the context the user
describes (merged, quantized, reloaded, DeepSpeed, ...).

Written from the failures' mechanics (PEFT's troubleshooting guide, the libraries' source),
not from labelled pastes. Deliberately absent: words every PEFT paste contains (``error``,
``lora``, ``model``, ``load``, ``peft``, ``adapter``, ``训练``, ``模型``): they name nothing.

Patterns are Python ``re`` syntax, matched case-insensitively on the normalised paste;
Chinese phrasings are plain substrings or short alternations (Chinese has no word breaks).
"""

from __future__ import annotations

# facet -> patterns (en and zh mixed; each is one regex)
SEE: dict[str, tuple[str, ...]] = {
    # Outputs differ between two runs, two ways of loading, or before/after a step.
    "see:differs": (
        r"\b(?:differ(?:s|ent|ence|ences)?|diverg\w*|inconsistent|mismatch(?:ed)? (?:output|result|logit|prediction)s?)\b",
        r"\bnot (?:the )?same (?:output|result|answer|prediction|logit|generation)s?\b",
        r"\b(?:output|result|answer|prediction|logit|generation)s? (?:are |is )?(?:not (?:the )?same|changed?|changes)\b",
        r"\bdon'?t match\b|\bdo not match\b|\bno longer match\b",
        r"不一致|不一样|不同|对不上|有差异|有差别|差别|差异|变了|改变了|发生变化",
    ),
    # Outputs change on every call with the same input.
    "see:nondeterministic": (
        r"\b(?:between|across|over) (?:two |different |multiple |consecutive )?(?:runs|calls|evaluations|inferences|forward passes)\b|\brun(?:ning)? (?:it )?(?:again|twice)\b|不稳定|波动",
        r"\b(?:every|each) (?:time|run|call)\b",
        r"\bnon-?determinis\w*|not determinis\w*|\bnot reproducible\b|\bnot repeatable\b|\bcan'?t reproduce\b",
        r"\brandom(?:ly)? (?:different|changing)\b|\bvary|\bvaries\b",
        r"每次|每一次|不可复现|无法复现|不能复现|结果不固定|不固定|随机变化",
    ),
    # The adapter has no visible effect: the model answers like the base model.
    "see:same-as-base": (
        r"\bno (?:difference|change)\b|\bnothing (?:changed|happens)\b|\bdid(?:n'?t| not) (?:learn|change)\b|\b(?:adapter|lora|fine-?tun\w*) (?:is |was )?not (?:being )?(?:used|applied|active)\b|没有变化|没变化|没学到|没有学到|毫无变化|没有任何变化",
        r"\b(?:same|identical) (?:as|to) (?:the )?(?:base|original|un-?fine-?tuned|pre-?trained)\b",
        r"\b(?:like|as if) (?:the )?(?:base|original) model\b|\blike (?:it was )?(?:never|not) (?:been )?(?:trained|fine-?tuned)\b",
        r"\b(?:no|zero) effect\b|\bhas no effect\b|\bdoes(?:n'?t| not) (?:do anything|change anything|take effect|work)\b",
        r"\buntrained\b|\bnot (?:been )?applied\b|\bfine-?tuning (?:is |was )?(?:lost|gone|ignored)\b",
        r"和原模型一样|跟原模型一样|与原模型一样|和基座模型一样|和基座一样|跟基座一样|与基座一样|和基础模型一样|和原来一样|跟原来一样|与原始模型一致|和没训练一样|跟没训练一样|"
        r"像没训练|没有训练过|没训练过|没有效果|没效果|不起作用|没有作用|没起作用|不生效|没生效|没有生效|微调无效|白训练",
    ),
    # The loss (or the logits) became nan / inf.
    "see:nan": (
        r"\bloss\s*[:=]\s*nan\b|\bnan loss\b|\b(?:loss|gradients?) explod\w*|梯度爆炸|数值溢出",
        r"\b(?:loss|logits?|outputs?|values?|grad(?:ient)?s?|probabilit\w*)\b[^.\n]{0,40}?\b(?:nan|inf)\b",
        r"\b(?:nan|inf)\b[^.\n]{0,20}?\b(?:loss|logits?|values?)\b",
        r"\bnans?\b",
        r"出现\s*nan|变成\s*nan|为\s*nan|是\s*nan|出现\s*inf|溢出",
    ),
    # The loss is exactly zero, or does not move.
    "see:loss-flat": (
        r"\bloss\b[^.\n]{0,30}?\b(?:is |stays |stuck at |remains |always |=\s*|:\s*)0(?:\.0+)?\b",
        r"\bloss\b[^.\n]{0,30}?\b(?:not|doesn'?t|does not|never) (?:decreas|go(?:ing)? down|chang|mov|drop)\w*",
        r"\bloss\b[^.\n]{0,20}?\b(?:flat|constant|stuck|stays the same)\b",
        r"loss\s*(?:一直|始终|都)?\s*(?:为|是|等于)\s*0|loss\s*(?:不下降|不降|不变|没有变化|没变化|一直不变)|损失(?:不下降|不变|为0|为零)",
    ),
    # Text that is not language: empty, repeated tokens, symbols.
    "see:garbage": (
        r"<unk>|\bunk tokens?\b|!{4,}|\bblank (?:output|text|answer|response)s?\b|\bonly (?:outputs?|generates?|returns?) (?:the )?(?:eos|pad|special|same)\b|全是感叹号|空白|只输出",
        r"\bgarbage\b|\bgibberish\b|\bnonsense\b|\bmeaningless\b|\bgarbled\b",
        r"\brepeat(?:s|ed|ing)? (?:the same )?(?:token|word|character)s?\b|\bsame token over and over\b",
        r"\bempty (?:output|string|generation|response|answer)s?\b|\bgenerates? nothing\b|\boutputs? nothing\b",
        r"乱码|胡言乱语|胡说八道|不知所云|重复输出|一直重复|输出重复|重复同一个|输出为空|输出空|空字符串|什么都不输出|不输出",
    ),
    # The saved adapter file is (nearly) empty.
    "see:tiny-file": (
        r"\b(?:only|just|is) (?:a few )?\d*\s*(?:hundred )?(?:bytes?|kb|kib)\b",
        # "\d+ bytes" only: a bare "7B" / "13b" is a model size (billions of parameters), not a file size
        r"\b\d{1,4}\s*bytes?\b",
        r"\b(?:tiny|empty|0[- ]?byte|zero[- ]?byte|very small)\b[^.\n]{0,30}?\b(?:file|adapter|checkpoint|weights?|safetensors|bin)\b",
        r"\b(?:file|adapter|checkpoint|weights?|safetensors|bin)\b[^.\n]{0,30}?\b(?:is |are )?(?:tiny|empty|very small)\b",
        r"只有\s*\d*\s*(?:几百|几十|几)?\s*(?:字节|kb)|0\s*字节|文件(?:很小|特别小|非常小|是空的|为空)|权重(?:是空的|为空)|几百字节|几十字节|几\s*kb",
    ),
    # Nothing is trainable.
    "see:zero-trainable": (
        r"\btrainable params(?:eters)?:?\s*0\b|\b0 trainable param",
        r"\bno trainable param\w*|\bnothing (?:is )?trainable\b|\bnot trainable\b|\brequires_grad\s*(?:=|is)\s*False\b",
        r"\b(?:weights?|params?|parameters|adapter) (?:are |is |do |does )?not (?:updat|chang)\w*",
        r"可训练参数\s*(?:为|是|=|:)?\s*0|没有可训练参数|没有可训练的参数|参数没有更新|权重没有更新|权重没有变化|参数不更新",
    ),
    # Fewer layers adapted than intended.
    "see:few-trainable": (
        r"\b(?:fewer|less|only (?:some|part|a few|the first))\b[^.\n]{0,40}?\b(?:layers?|modules?|trainable param\w*)\b",
        r"\b(?:some|later|last|other) layers?\b[^.\n]{0,40}?\b(?:no|not|without|missing)\b",
        r"只匹配到(?:了)?(?:部分|一部分)|部分层|一部分层|后面的层|参数比预期少|比预期少",
    ),
    # Out of memory, memory keeps growing.
    "see:oom": (
        r"\bout of memory\b|\bOOM\b|\bOOMs\b|\bmemory (?:keeps |usage )?(?:grow|increas|explod|spik)\w*",
        r"\b(?:not enough|run(?:s|ning)? out of|insufficient) (?:gpu |cuda |v)?(?:memory|ram)\b",
        r"显存不足|显存不够|爆显存|显存爆|显存溢出|内存不足|内存不够|显存占用(?:过|太)?高|显存一直(?:增加|上涨|涨)",
    ),
    # Slower than expected.
    "see:slow": (
        r"\b(?:very |extremely |much |really )?slow(?:er|ly|s)?\b|\btakes? (?:forever|hours)\b",
        r"很慢|非常慢|特别慢|速度慢|太慢|变慢|慢了",
    ),
    # Predictions look random (chance-level accuracy).
    "see:random-output": (
        r"\brandom (?:predictions?|outputs?|results?|labels?|guess\w*|accuracy|classifier|scores?)\b",
        r"\b(?:chance|random)[- ]level\b|\baccuracy (?:drops? )?(?:to|is|of) (?:around |about )?(?:50|33|25|10)\s*%",
        r"随机(?:预测|结果|输出|猜|水平)|跟随机一样|和随机一样|准确率(?:只有|才)?\s*(?:50|33|25)\s*%|结果完全随机",
    ),
    # Quality worse than expected (not gone, not random).
    "see:worse": (
        r"\b(?:a bit |slightly |much |noticeably )?worse\b|\bdegrad(?:ed|es|ation)\b",
        r"\b(?:worse|degrad\w*|drops?|dropped|decreas\w*|lower|bad|poor)\b[^.\n]{0,30}?\b(?:quality|accuracy|results?|performance|outputs?|scores?|answers?)\b",
        r"\b(?:quality|accuracy|results?|performance|outputs?|scores?|answers?)\b[^.\n]{0,30}?\b(?:worse|degrad\w*|drops?|dropped|bad|poor)\b",
        r"效果变差|效果差|效果下降|精度下降|准确率下降|性能下降|变差|变得很差|质量下降|效果不好|掉点",
    ),
    # Loading fails, or the files needed are not there.
    "see:no-model-config": (
        r"\bno config\.json\b|\bconfig\.json (?:is )?(?:missing|not found)\b|\bmissing config\.json\b|\bdoes(?:n'?t| not) (?:have|contain) (?:a )?config\.json\b",
        r"\bonly (?:has |contains |have |saved )?adapter_config\.json\b|\bonly adapter_model\b",
        r"没有\s*config\.json|缺少\s*config\.json|找不到\s*config\.json|只有\s*adapter_config\.json|只有\s*adapter_model",
    ),
    # Tensors of one layer sit on different devices.
    "see:device-split": (
        r"\bcuda:\d\b[^.\n]{0,40}?\b(?:cpu|cuda:\d)\b|\b(?:stays?|remains?|left|still) on (?:the )?cpu\b|\btwo devices\b",
        r"\b(?:different|other|another|wrong) devices?\b|\bsome (?:on|are on) (?:the )?cpu\b|\bon (?:the )?cpu (?:while|but|and) (?:the )?(?:rest|others?|base)\b",
        r"不在同一个设备|不在同一设备|不同的设备|一部分在\s*cpu|有的在\s*cpu|在\s*cpu\s*上",
    ),
    # The adapter seems to be applied twice / too strongly.
    "see:double-effect": (
        r"\b(?:applied|added|loaded) twice\b|\btwice the effect\b|\bdouble(?:d)? (?:effect|adapter|lora)\b|\bstronger than\b",
        r"叠加了两次|加载了两次|应用了两次|效果被放大|生效两次",
    ),
}

DID: dict[str, tuple[str, ...]] = {
    "did:merge": (r"\bmerg(?:e|ed|ing|es)\b|\bmerge_and_unload\b|\bmerge_adapter\b", r"合并"),
    "did:quantized": (
        r"\b(?:4|8)[- ]?bit\b|\bload_in_(?:4|8)bit\b|\bq-?lora\b|\bbnb\b|\bbitsandbytes\b|\bnf4\b|\bint8\b|\bint4\b|\bgptq\b|\bawq\b|\bquantiz\w*",
        r"量化|4\s*比特|8\s*比特",
    ),
    "did:reload": (
        r"\bre-?load(?:ed|ing)?\b|\bfrom_pretrained\b|\bload_adapter\b|\bafter (?:saving|save_pretrained)\b|\bsaved? and (?:re)?load\w*\b|\bload(?:ed|ing)? (?:it )?back\b",
        r"重新加载|再加载|加载回来|保存后加载|保存再加载|保存之后(?:再)?加载|加载后|加载之后",
    ),
    "did:two-ways": (
        r"\btwo (?:ways|scripts|methods|runs|versions|setups)\b|\bcompar(?:e|ed|ing) (?:with|to|against)\b|\bbefore and after\b|\bvs\.?\b|\bversus\b",
        r"两种|两个脚本|两次|对比|比较|前后",
    ),
    "did:deepspeed": (r"\bdeep-?speed\b|\bzero[- _]?3\b|\bzero stage 3\b|\bstage[- _]?3\b|\bds_config\b", r"零冗余"),
    "did:fsdp": (r"\bfsdp\b|\bfully sharded\b",),
    "did:trainer": (r"\btrainer\b|\bSFTTrainer\b|\btrainer\.train\(\)|\btraining_args\b|\bTrainingArguments\b",),
    "did:generate": (
        r"\bgenerat(?:e|ed|es|ing|ion)\b|\.generate\(|\bdo_sample\b|\btemperature\b|\btop_p\b|\bsampling\b|\binference\b|\bpipeline\(",
        r"生成|推理|采样",
    ),
    "did:serving": (
        r"\bvllm\b|\btgi\b|\btext-generation-inference\b|\bllama\.cpp\b|\bollama\b|\bgguf\b|\bserv(?:e|ing|er)\b",
        r"部署",
    ),
    "did:fp16": (
        r"\bfp16\s*=\s*True\b|\btorch\.float16\b|\bv100\b|\bt4\b|\b(?:1080|2080)(?: ?ti)?\b|不支持\s*bf16",
        r"\bfp16\b|\bfloat16\b|\.half\(\)|\bhalf[- ]precision\b",
        r"半精度",
    ),
    # Training mode, not a mention of eval: "already in eval mode" / "已经调用了 model.eval()" rules dropout out.
    "did:train-mode": (
        r"dropout\b|\btraining mode\b|\btrain mode\b|\bmodel\.train\(\)|\bmodel\.training\b",
        r"\b(?:without|forgot|forgetting|never|not|didn'?t|did not) (?:to )?(?:call(?:ing)? |switch(?:ing)? to |us(?:e|ing) )?(?:model\.)?eval(?:\(\)| mode)?",
        r"\beval\(\)[^.\n]{0,20}?\b(?:never|not) (?:been )?called\b",
        r"训练模式|(?:没有|没|忘了|忘记|未)(?:调用|切换到?|设置)?\s*(?:model\.)?eval",
    ),
    "did:classification": (
        r"\bclassif\w*\b|\bSequenceClassification\b|\bSEQ_CLS\b|\bclassifier\b|\bscore head\b|\bnum_labels\b",
        r"分类",
    ),
    "did:new-tokens": (
        r"\bresize_token_embeddings\b|\badd(?:ed)?_(?:special_)?tokens\b|\badd(?:ed|ing)? (?:new |special )*tokens\b|\bextend(?:ed)? (?:the )?vocab\w*|\bnew tokens\b|\bvocab(?:ulary)? size\b",
        r"扩充词表|扩展词表|词表|新增\s*token|添加\s*token|新加的\s*token|新\s*token",
    ),
    "did:get-peft-model": (r"\bget_peft_model\b|\bLoraConfig\.from_pretrained\b|\bPeftConfig\.from_pretrained\b",),
    "did:save": (r"\bsave_pretrained\b|\bsav(?:e|ed|ing)\b|\btorch\.save\b", r"保存"),
    "did:compile": (r"\btorch\.compile\b|\bcompiled?\b", r"编译"),
    "did:target-regex": (
        r"\btarget_modules\b[^.\n]{0,60}?\b(?:regex|regular expression|pattern|string)\b|\b(?:regex|regular expression)\b[^.\n]{0,60}?\btarget_modules\b",
        r"target_modules[^。\n]{0,30}正则|正则[^。\n]{0,30}target_modules",
    ),
    "did:grad-checkpointing": (r"\bgradient[_ ]checkpointing\b", r"梯度检查点"),
    "did:resume": (
        r"\bresum(?:e|ed|ing)\b|\bcontinu(?:e|ed|ing) (?:the )?training\b|\bis_trainable\b",
        r"继续训练|断点续训|接着训练",
    ),
    "did:adapter-name": (r"\badapter_name\s*=|\badapter (?:named|called)\b", r"适配器名|adapter\s*名"),
    "did:gpt2-conv1d": (r"\bgpt-?2\b|\bc_attn\b|\bConv1D\b|\bfan_in_fan_out\b",),
    "did:multi-device": (
        r"\bdevice_map\b|\bmulti(?:ple)?[- ]?gpus?\b|\b(?:several|two|2|4|8) gpus\b|\bacross gpus\b",
        r"多卡|多张卡|多个\s*gpu|多\s*gpu|多张显卡",
    ),
    "did:batch": (
        r"\bbatch[_ ]size\b|\bmax_(?:seq_)?length\b|\bsequence length\b|\bcontext length\b|\blong (?:inputs?|sequences?)\b",
        r"序列长度|批大小|长文本",
    ),
}

ALL: dict[str, tuple[str, ...]] = {**SEE, **DID}
