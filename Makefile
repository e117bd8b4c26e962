# Two commands do all set-up on a fresh clone:
#   make demo   builds .venv/ (if needed) and runs peft-why on a bundled example
#   make test   builds .venv/ (if needed) and runs the whole test suite
# .venv/ is reused while constraints.txt, pyproject.toml and requirements-dev.txt are unchanged.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.peft-why-installed
export HF_HUB_OFFLINE := 1
export HF_HUB_DISABLE_PROGRESS_BARS := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: demo test lint typecheck setup clean-venv onnx vectors versions catalogue bench bench-all eval

# The semantic stage's query encoder: an ONNX export of the packaged MiniLM (~90 MB, never committed),
# built into the venv so a fresh clone's `make test` has it. The run-time path needs no torch.
ONNX := $(VENV)/share/peft-why/all-MiniLM-L6-v2.onnx

setup: $(STAMP)

# torch goes in FIRST and pinned: installing peft into a venv without torch pulls a multi-GB CUDA build.
$(STAMP): constraints.txt pyproject.toml requirements-dev.txt
	@if [ -f $(VENV)/.constraints ] && ! cmp -s $(VENV)/.constraints constraints.txt; then \
		echo "constraints.txt changed: rebuilding $(VENV)"; rm -rf $(VENV); fi
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade "pip>=24" "setuptools>=69" wheel
	$(BIN)/python -m pip install -q --disable-pip-version-check torch==2.13.0
	$(BIN)/python -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[semantic,verify]' -r requirements-dev.txt
	cp constraints.txt $(VENV)/.constraints
	touch $(STAMP)

onnx: $(ONNX)

$(ONNX): $(STAMP) scripts/export_onnx.py
	$(BIN)/python scripts/export_onnx.py $(ONNX)

# The shipped entries' vectors (committed; rerun after changing entries, checked by tests/matcher/test_semantic.py).
vectors: $(STAMP)
	$(BIN)/python scripts/build_vectors.py

# The version table (kb/data/versions.json, committed): when fields, names and messages appeared.
# Reads unpacked wheels under SRC; add --download to fetch missing releases with pip.
SRC ?= /tmp/research/src
versions: $(STAMP)
	$(BIN)/python scripts/build_version_table.py --src $(SRC)

# The message catalogue (kb/data/catalogue.json.gz, committed): every message peft, and the
# peft-facing files of transformers, trl and accelerate, raise/warn/log, extracted from released
# wheels. Downloads them (pip, cached in WHEELS, outside the repo), so it is not part of CI.
WHEELS ?= $(HOME)/.cache/peft-why/wheels
catalogue: $(STAMP)
	$(BIN)/python scripts/build_catalogue.py --cache $(WHEELS) --holdout-latest

bench: $(STAMP) $(ONNX)
	$(BIN)/python bench/bench_matcher.py

# Every benchmark in one table (copied to docs/performance.md).
bench-all: $(STAMP) $(ONNX)
	$(BIN)/python bench/run_all.py

eval: $(STAMP) $(ONNX)
	$(BIN)/peft-why eval ../shared/devset

demo: $(STAMP)
	$(BIN)/peft-why examples/fp16-unscale-amp.txt; test $$? -le 1

test: $(STAMP) $(ONNX)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/peft-why kb lint

# mypy cannot follow setuptools' editable finder (kb/ → peft_why.kb), so check a symlinked mirror.
typecheck: $(STAMP)
	rm -rf .typecheck && mkdir -p .typecheck && cp -rs "$(CURDIR)/peft_why" .typecheck/
	for d in kb matcher cli; do ln -s "$(CURDIR)/$$d" .typecheck/peft_why/$$d; done
	cd .typecheck && ../$(BIN)/mypy --config-file ../pyproject.toml -p peft_why

clean-venv:
	rm -rf $(VENV)

# Docs browser tests (tests/docs): chromium from apt and playwright-core from npm, each skipped when present.
.PHONY: browser-deps docs
test: browser-deps
browser-deps:
	.ci/browser-deps.sh

docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/python -m mkdocs build --strict
