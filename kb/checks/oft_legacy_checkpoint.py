"""oft-legacy-checkpoint: a saved OFT adapter written by a peft whose OFT the installed one has changed.

``OFTConfig.check_kwargs`` refuses a saved OFT config without ``oft_block_size`` (peft >= 0.14.0: configs
written by peft <= 0.13 lack it, and their weights use the old parametrisation), and warns for a
``use_cayley_neumann`` config saved before 0.18.0 (no ``peft_version``, or one below 0.18). The check
reads the saved JSON the same way.
"""

from __future__ import annotations

from .api import (
    CONFIRMED,
    NOT_APPLICABLE,
    NOT_CONFIRMED,
    CheckContext,
    Finding,
    finding,
    read_adapter_config,
)

ENTRY = "oft-legacy-checkpoint"
FIX = (
    "Retrain the OFT adapter with the installed peft, or pin the peft it was trained with "
    "(pip install 'peft<0.14' for a config without oft_block_size, 'peft==0.17.1' for Cayley-Neumann)."
)


def check(ctx: CheckContext) -> Finding:
    config = read_adapter_config(ctx.adapter_dir) if ctx.adapter_dir else None
    if config is None:
        return finding(ENTRY, NOT_APPLICABLE, "no saved adapter_config.json to read")
    if str(config.get("peft_type")) != "OFT":
        return finding(ENTRY, NOT_APPLICABLE, f"the saved adapter is {config.get('peft_type')!r}, not OFT")
    version = str(config.get("peft_version") or "")
    evidence = [f"adapter_config.json: peft_type OFT, saved by peft {version or '< 0.18 (no peft_version)'}"]
    if "oft_block_size" not in config:
        evidence.append("no 'oft_block_size' key (peft <= 0.13 configs have none)")
        return finding(
            ENTRY, CONFIRMED, "the OFT adapter was saved by peft <= 0.13, before OFT changed in 0.14", evidence, FIX
        )
    cayley = config.get("use_cayley_neumann")
    evidence.append(f"oft_block_size={config['oft_block_size']!r}, use_cayley_neumann={cayley!r}")
    if cayley and _before_0_18(version):
        return finding(
            ENTRY,
            CONFIRMED,
            "the Cayley-Neumann OFT adapter was saved before peft 0.18 changed that parametrisation",
            evidence,
            FIX,
        )
    return finding(ENTRY, NOT_CONFIRMED, "the OFT adapter config fits the current OFT", evidence, FIX)


def _before_0_18(version: str) -> bool:
    """Whether a saved ``peft_version`` (``0.17.1``, ``0.18.0.dev0@abc``; empty before 0.18) is below 0.18."""
    if not version:
        return True
    parts = []
    for piece in version.partition("@")[0].split(".")[:2]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts) < (0, 18)
