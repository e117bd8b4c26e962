"""The user's environment, read one way: package versions (here or in another interpreter) and ``PEFT_WHY``.

One package list and one probe timeout serve both the matcher (``match --installed`` /
``--python``, the hook's live versions) and the issue report (``peft-why report``), so
the two never disagree about what they looked at. Imports only ``os`` and ``sys`` at
module level: the hook imports it at every interpreter start-up.
"""

from __future__ import annotations

import os
import sys

# The packages whose versions decide a PEFT failure, in the order a report lists them.
PACKAGES: tuple[str, ...] = ("torch", "peft", "transformers", "accelerate", "bitsandbytes", "trl")
# How long another interpreter may take to answer (a probe with details imports torch: seconds, cold).
PROBE_TIMEOUT_S = 120.0
NOT_INSTALLED = "not installed"

# Run in the other interpreter: ``-c PROBE MODE PACKAGE...``; MODE "full" adds python, platform,
# CUDA and the GPU name (importing torch), "versions" reads only package metadata.
_PROBE = r"""
import json, platform, sys
from importlib import metadata
full = sys.argv[1] == "full"
env = {"python": platform.python_version(), "platform": platform.platform()} if full else {}
for name in sys.argv[2:]:
    try:
        env[name] = metadata.version(name)
    except metadata.PackageNotFoundError:
        env[name] = "not installed"
if full:
    try:
        import torch
        env["cuda"] = torch.version.cuda or "none (CPU build)"
        if torch.cuda.is_available():
            env["gpu"] = torch.cuda.get_device_name(0)
    except Exception:
        pass
print(json.dumps(env))
"""


def is_disabled() -> bool:
    """``PEFT_WHY=0`` (or ``false``/``off``/``no``) turns the hook off at run time."""
    return os.environ.get("PEFT_WHY", "").strip().lower() in ("0", "false", "off", "no")


def installed_versions() -> dict[str, str]:
    """This interpreter's versions of ``PACKAGES`` (installed ones only)."""
    from importlib import metadata

    found: dict[str, str] = {}
    for package in PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return found


def live_environment() -> dict[str, str]:
    """This process's environment for a report, without importing anything new (torch only if loaded)."""
    import platform
    from importlib import metadata

    env = {"python": platform.python_version(), "platform": platform.platform()}
    for name in PACKAGES:
        try:
            env[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            env[name] = NOT_INSTALLED
        except Exception:
            env[name] = "unknown"
    torch = sys.modules.get("torch")
    if torch is not None:
        try:
            env["cuda"] = torch.version.cuda or "none (CPU build)"
            if torch.cuda.is_available():
                env["gpu"] = torch.cuda.get_device_name(0)
        except Exception:
            pass
    return env


def probe(python: str, *, full: bool, timeout: float = PROBE_TIMEOUT_S) -> dict[str, str]:
    """Another interpreter's versions of ``PACKAGES`` (missing ones say ``not installed``), plus details if ``full``.

    Runs ``python -c`` with only the standard library, so it works in any environment the user trains in.

    Raises:
        OSError: the interpreter cannot be run, does not answer within ``timeout``, or its probe failed.
    """
    import json
    import subprocess

    command = [python, "-c", _PROBE, "full" if full else "versions", *PACKAGES]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise OSError(f"{python}: no answer within {timeout:.0f} s") from exc
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["exit code " + str(done.returncode)])[-1]
        raise OSError(f"{python}: probe failed: {last}")
    data = json.loads(done.stdout.strip().splitlines()[-1])
    return {str(k): str(v) for k, v in data.items()}


def interpreter_versions(python: str) -> dict[str, str]:
    """Another interpreter's versions of ``PACKAGES`` (installed ones only). Raises ``OSError`` with a reason."""
    return {name: version for name, version in probe(python, full=False).items() if version != NOT_INSTALLED}
