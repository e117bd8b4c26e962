#!/usr/bin/env bash
# outdated-package, old-release faces (not run in CI). Runs the released peft sources, unpacked from
# the PyPI wheels (pip download peft==X --no-deps; unzip), beside the project's transformers 5.24.
# The output is the example text in kb/entries/outdated-package.yaml.
#   usage: tests/kb/repro/side/outdated_package.sh /path/to/unzipped/wheels   (holds 0.13.2/ and 0.17.1/)
set -u
wheels=${1:?directory with unzipped peft wheels, e.g. /tmp/research/src/peft}
py=${PYTHON:-.venv/bin/python}
export HF_HUB_OFFLINE=1
adapter=$(mktemp -d)

echo "== peft 0.17.1 with transformers 5.x: HybridCache is gone"
PYTHONPATH="$wheels/0.17.1" "$py" -c "from peft import LoraConfig, get_peft_model"

echo "== peft 0.13.2 loading a config saved by peft >= 0.14"
cat > "$adapter/adapter_config.json" <<'JSON'
{"peft_type": "LORA", "task_type": "CAUSAL_LM", "r": 8, "lora_alpha": 16, "target_modules": ["q_proj", "v_proj"],
 "use_dora": false, "layer_replication": null, "lora_bias": false, "exclude_modules": null}
JSON
PYTHONPATH="$wheels/0.13.2" "$py" -c "from peft import LoraConfig; LoraConfig.from_pretrained('$adapter')"
rm -rf "$adapter"
