"""scripts/build_catalogue.py's extraction: which message expressions become templates, which are misses.

The sources below are made-up modules (not library text): they exercise each expression shape.
"""

from __future__ import annotations

import importlib.util
import sys
import textwrap
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def build() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_catalogue", ROOT / "scripts" / "build_catalogue.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_catalogue", module)
    spec.loader.exec_module(module)
    return module


SOURCE = textwrap.dedent(
    """
    import warnings
    import logging
    logger = logging.getLogger(__name__)

    class Tuner:
        def inject(self, config, names):
            error_msg = f"Target modules {names} not found in the base model."
            if config.layers:
                error_msg += f" Note: layers {config.layers} were given."
            if not names:
                raise NoMatchingPeftModuleError(error_msg)

        def check(self, rank):
            if rank < 0:
                raise ValueError("rank must be positive, got %d and %(other)s" % rank)
            else:
                warnings.warn("Rank {} is unusual for {name}".format(rank, name="x"), FutureWarning)
            logger.warning_once("Merging " + str(rank) + " adapters is slow in this mode")
            logger.error("Rank %d is above the limit of %s adapters", rank, 8)

    def module_level(message):
        raise RuntimeError(message)

    def from_call():
        raise ValueError(build_message())

    def short():
        raise KeyError(f"{a}: {b}")
    """
)


def sites(build: ModuleType) -> dict[str, object]:
    result = build.extract("pkg/mod.py", SOURCE)
    return {site.template: site for site in result.sites}


def test_local_variable_with_augmented_branches_gives_each_variant(build: ModuleType) -> None:
    found = sites(build)
    base = "Target modules {…} not found in the base model."
    assert base in found
    assert base + " Note: layers {…} were given." in found
    site = found[base]
    assert site.exception == "NoMatchingPeftModuleError"
    assert site.function == "Tuner.inject"
    assert site.condition == "not names"


def test_percent_format_and_concatenation_become_placeholders(build: ModuleType) -> None:
    found = sites(build)
    assert "rank must be positive, got {…} and {…}" in found
    assert found["rank must be positive, got {…} and {…}"].condition == "rank < 0"
    warned = found["Rank {…} is unusual for {…}"]
    assert (warned.kind, warned.exception, warned.condition) == ("warn", "FutureWarning", "not (rank < 0)")
    logged = found["Merging {…} adapters is slow in this mode"]
    assert (logged.kind, logged.exception) == ("log", "WARNING")
    assert found["Rank {…} is above the limit of {…} adapters"].exception == "ERROR"


def test_unreadable_messages_are_counted_by_kind(build: ModuleType) -> None:
    misses = build.extract("pkg/mod.py", SOURCE).misses
    assert misses["a parameter of the function"] == 1
    assert misses["a call result"] == 1
    assert misses["too little literal text"] == 1


def test_sampling_keeps_the_latest_patch_per_minor(build: ModuleType) -> None:
    versions = ["4.29.2", "4.30.0", "4.30.2", "4.31.0", "5.0.0"]
    assert build.sampled("transformers", versions) == ["4.30.2", "4.31.0", "5.0.0"]
    assert build.sampled("peft", ["0.1.0", "0.2.0", "0.3.0"]) == ["0.2.0", "0.3.0"]


def test_fill_gives_one_line_without_placeholders(build: ModuleType) -> None:
    import random

    line = build.fill("Target {…} not\nfound {…}", random.Random(0))
    assert "\n" not in line and "{…}" not in line and line.startswith("Target ")


def test_a_module_file_beside_a_package_of_its_name_is_not_read(build: ModuleType, tmp_path: Path) -> None:
    wheel = tmp_path / "peft-0.6.2-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("peft/tuners/lora.py", 'raise ValueError("stale module file, never imported")\n')
        archive.writestr("peft/tuners/lora/__init__.py", "")
        archive.writestr("peft/tuners/lora/model.py", 'raise ValueError("the package that import finds")\n')
        archive.writestr("peft/tuners/ia3.py", 'raise ValueError("a module with no package beside it")\n')
    read = [name for name, _text in build.sources("peft", wheel)]
    assert "peft/tuners/lora.py" not in read
    assert {"peft/tuners/lora/model.py", "peft/tuners/ia3.py"} <= set(read)
