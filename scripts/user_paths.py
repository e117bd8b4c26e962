"""Rewrite machine-specific paths in KB examples in place: ``python scripts/user_paths.py [FILE.yaml ...]``.

Reproductions ran in worktrees, venvs and temp folders; ``kb lint`` rejects those
prefixes. This applies the reproduction tests' own helper (``peft_why.kb.user_paths``)
to the lines of each entry's ``examples:`` block only, as text, so the rest of the file
(and its formatting) is untouched. No arguments: every built-in entry. Safe to rerun.
"""

from __future__ import annotations

import sys
from pathlib import Path

from peft_why.kb.loader import builtin_entries_dir, parse_yaml_with_positions
from peft_why.kb.user_paths import user_paths


def rewrite(path: Path) -> bool:
    """Rewrite one entry file's examples; True when it changed."""
    text = path.read_text(encoding="utf-8")
    _data, positions = parse_yaml_with_positions(text)
    start = positions.get(("examples",))
    if start is None:
        return False
    after = [where[0] for loc, where in positions.items() if len(loc) == 1 and where > start]
    lines = text.split("\n")
    end = min(after) - 1 if after else len(lines)
    block = "\n".join(lines[start[0] - 1 : end])
    lines[start[0] - 1 : end] = user_paths(block).split("\n")
    new = "\n".join(lines)
    if new == text:
        return False
    path.write_text(new, encoding="utf-8")
    return True


def main(argv: list[str]) -> int:
    files = [Path(a) for a in argv] or sorted(builtin_entries_dir().glob("*.yaml"))
    changed = [path for path in files if rewrite(path)]
    for path in changed:
        print(f"rewrote {path}")
    print(f"{len(changed)} of {len(files)} file(s) changed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
