# Set-up and the gate on a fresh clone:
#   make demo           builds .venv/ (if needed) and runs peft-why on a bundled example
#   make check          the gate, as CI runs it (.ci/run): browser-deps, ruff, ruff format, mypy --strict,
#                       kb lint, the whole test suite
#   make test           builds .venv/ (if needed) and runs the whole test suite (no system packages)
#   make browser-deps   the docs browser tests' system packages (apt, as root) and playwright-core (npm);
#                       says what it installs and why before doing it
# .venv/ is reused while constraints.txt, pyproject.toml and requirements-dev.txt are unchanged; a rebuild
# is announced before .venv/ is removed (KEEP_VENV=1 stops there instead).

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.peft-why-installed
export HF_HUB_OFFLINE := 1
export HF_HUB_DISABLE_PROGRESS_BARS := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: demo check test lint typecheck setup clean-venv vectors versions calibrate catalogue bench bench-all eval

setup: $(STAMP)

# torch goes in FIRST and pinned: installing peft into a venv without torch pulls a multi-GB CUDA build.
$(STAMP): constraints.txt pyproject.toml requirements-dev.txt
	@if [ -f $(VENV)/.constraints ] && ! cmp -s $(VENV)/.constraints constraints.txt; then \
		echo "setup: constraints.txt differs from the copy $(VENV)/ was built with ($(VENV)/.constraints):"; \
		diff $(VENV)/.constraints constraints.txt | sed -n 's/^[<>] /    /p' | head -20; \
		if [ -n "$(KEEP_VENV)" ]; then echo "setup: KEEP_VENV is set: leaving $(VENV)/ alone; stopping" >&2; exit 1; fi; \
		echo "setup: removing $(CURDIR)/$(VENV)/ and rebuilding it (set KEEP_VENV=1 to stop here instead)"; \
		rm -rf $(VENV); fi
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade "pip>=24" "setuptools>=69" wheel
	$(BIN)/python -m pip install -q --disable-pip-version-check torch==2.13.0
	$(BIN)/python -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[semantic,verify]' -r requirements-dev.txt
	cp constraints.txt $(VENV)/.constraints
	touch $(STAMP)

# The shipped entries' vectors (committed; rerun after changing entries, checked by tests/matcher/test_semantic.py
# and, through the manifest's provenance header, tests/test_provenance.py).
vectors: $(STAMP)
	$(BIN)/python scripts/build_vectors.py

# The version table (kb/data/versions.json, committed): when fields, names and messages appeared.
# Reads unpacked wheels under SRC; add --download to fetch missing releases with pip.
SRC ?= /tmp/research/src
versions: $(STAMP)
	$(BIN)/python scripts/build_version_table.py --src $(SRC)

# fuse's weights, Platt constants and abstention line, fitted on the devset's real pastes (cross-validated):
# paste the "fitted on all cases" values and the printed CALIBRATION_PROVENANCE into matcher/fuse.py
# (tests/test_provenance.py says when the devset or the fitter changed since).
calibrate: $(STAMP)
	$(BIN)/python bench/fit_devset.py ../shared/devset

# The message catalogue (kb/data/catalogue.json.gz, committed): every message peft, and the
# peft-facing files of transformers, trl and accelerate, raise/warn/log, extracted from released
# wheels. Downloads them (pip, cached in WHEELS, outside the repo), so it is not part of CI.
WHEELS ?= $(HOME)/.cache/peft-why/wheels
catalogue: $(STAMP)
	$(BIN)/python scripts/build_catalogue.py --cache $(WHEELS) --holdout-latest

bench: $(STAMP)
	$(BIN)/python bench/bench_matcher.py

# Every benchmark in one table, headed by its provenance line (copy both to docs/performance.md).
bench-all: $(STAMP)
	$(BIN)/python bench/run_all.py

eval: $(STAMP)
	$(BIN)/peft-why eval ../shared/devset

demo: $(STAMP)
	$(BIN)/peft-why examples/fp16-unscale-amp.txt; test $$? -le 1

test: $(STAMP)
	$(BIN)/python -m pytest -q

# The gate (README, .ci/run): cheapest first, so a style slip fails in seconds. CI=true turns the docs
# tests' and kb lint's "node/chromium missing" skips into failures; browser-deps installs them first.
check: $(STAMP) browser-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/peft-why kb lint
	$(MAKE) --no-print-directory typecheck
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/peft-why kb lint

# mypy cannot follow setuptools' editable finder (kb/ → peft_why.kb), so check a symlinked mirror.
typecheck: $(STAMP)
	rm -rf .typecheck && mkdir -p .typecheck && cp -rs "$(CURDIR)/peft_why" .typecheck/
	for d in kb matcher cli; do ln -s "$(CURDIR)/$$d" .typecheck/peft_why/$$d; done
	cd .typecheck && ../$(BIN)/mypy --config-file ../pyproject.toml -p peft_why

clean-venv:
	@echo "clean-venv: removing $(CURDIR)/$(VENV)/ (the next make rebuilds it)"
	rm -rf $(VENV)

# Docs browser tests (tests/docs): chromium, a CJK font, node/npm from apt (as root or with sudo) and
# playwright-core from npm, each skipped when present. An explicit step: `make check` and CI run it,
# `make test` does not (its docs tests then skip and say why). It prints what it installs before it does.
.PHONY: browser-deps docs
browser-deps:
	.ci/browser-deps.sh

docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/python -m mkdocs build --strict
