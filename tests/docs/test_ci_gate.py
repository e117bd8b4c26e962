"""Under CI=true a missing Node or Chromium fails the docs tests; on a developer machine they skip."""

from __future__ import annotations

import pytest

from .conftest import unavailable


@pytest.mark.parametrize("value", ["true", "1", "TRUE"])
def test_missing_tool_fails_under_ci(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception, match="CI=true, so this fails instead of skipping"):
        unavailable("node is not installed")


@pytest.mark.parametrize("value", [None, "", "false"])
def test_missing_tool_skips_off_ci(monkeypatch: pytest.MonkeyPatch, value: str | None) -> None:
    if value is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.skip.Exception, match="node is not installed"):
        unavailable("node is not installed")
