"""Where the built-in KB lives: its entries and its data files (vectors, version table, catalogue).

Import-free (``pathlib`` only, and ``peft_why.kb`` imports nothing), so the matcher's hot path
and the hook can ask for a path without paying for the loader's yaml and pydantic.
"""

from __future__ import annotations

from pathlib import Path

KB_ROOT = Path(__file__).parent  # absolute; the same folder importlib reports for peft_why.kb
ENTRIES_DIR = KB_ROOT / "entries"
DATA_DIR = KB_ROOT / "data"


def data_file(name: str) -> Path:
    """A shipped data file by name (``versions.json``, ``tail-map.yaml``, ``catalogue.json.gz``, ...)."""
    return DATA_DIR / name
