"""target-modules-regex-partial: a target_modules regex that matches only part of the layers meant.

A string target_modules is a regex peft full-matches against each module name, and peft raises only
when it matches nothing. Two slips match *some* layers and pass silently, and both show in the model:
``\\d`` (one digit) where the layer index has two (layers 0-9 of a family match, 10 and up do not),
and a top-level ``|`` without a group (``q_proj|.*v_proj``: the bare ``q_proj`` alternative must
full-match a whole dotted name, so it matches nothing while the other alternative matches).
Partial matches of any other shape (the last eight layers, say) may be intended and are only listed.
"""

from __future__ import annotations

import re

from .api import (
    CONFIRMED,
    NOT_APPLICABLE,
    NOT_CONFIRMED,
    CheckContext,
    Finding,
    base_model_of,
    config_value,
    finding,
    model_precondition,
    own_modules,
    peft_configs,
    sample,
    target_matcher,
    unwrap,
)

ENTRY = "target-modules-regex-partial"
FIX = (
    r"Fix the regex (\d+ for layer indices, a group around alternatives: "
    r"r'.*\.layers\.\d+\.self_attn\.(q_proj|v_proj)') "
    'or pass a list of names (target_modules=["q_proj", "v_proj"]); check model.targeted_module_names.'
)
NUMBER = re.compile(r"\d+")


def check(ctx: CheckContext) -> Finding:
    skip = model_precondition(ctx, ENTRY)
    if skip:
        return skip
    configs = {name: c for name, c in peft_configs(ctx).items() if isinstance(config_value(c, "target_modules"), str)}
    if not configs:
        return finding(ENTRY, NOT_APPLICABLE, "no adapter config with a regex target_modules")
    names = [name for name, _ in own_modules(base_model_of(unwrap(ctx.model)))]
    confirmed: list[str] = []
    listed: list[str] = []
    for adapter, config in configs.items():
        pattern = config_value(config, "target_modules")
        targeted = target_matcher(config)
        matched = {name for name in names if targeted(name)}
        listed.append(f"[{adapter}] {pattern!r}: {len(matched)} modules")
        if not matched:
            continue  # nothing matched: peft raises, target-modules-not-found
        for family, hits, misses in _partial_families(names, matched):
            line = f"[{adapter}] {family}: {len(hits)} of {len(hits) + len(misses)} matched"
            cutoff = max(_index(name) for name in hits) < 10 <= min(_index(name) for name in misses)
            if cutoff:
                confirmed.append(f"{line}; not layers {_indices(misses)} (\\d matches one digit)")
            else:
                listed.append(f"{line} (layers {_indices(hits)})")
        for alternative in _dead_alternatives(pattern, names):
            confirmed.append(
                f"[{adapter}] alternative {alternative!r} matches no full module name: "
                "the top-level | splits the whole pattern (put the alternatives in a group)"
            )
    if confirmed:
        return finding(
            ENTRY,
            CONFIRMED,
            "the target_modules regex matches only part of the layers it names",
            confirmed + listed,
            FIX,
        )
    return finding(ENTRY, NOT_CONFIRMED, "no sign of a regex that stops short", sample(listed), FIX)


def _partial_families(names: list[str], matched: set[str]) -> list[tuple[str, list[str], list[str]]]:
    """Families of names alike but for their numbers (``layers.N.self_attn.q_proj``) matched in part."""
    families: dict[str, list[str]] = {}
    for name in names:
        families.setdefault(NUMBER.sub("N", name), []).append(name)
    partial = []
    for family, members in sorted(families.items()):
        hits = [name for name in members if name in matched]
        misses = [name for name in members if name not in matched]
        if hits and misses:
            partial.append((family, hits, misses))
    return partial


def _index(name: str) -> int:
    """The first number in a module name: the layer index."""
    found = NUMBER.search(name)
    return int(found.group()) if found else -1


def _indices(names: list[str]) -> str:
    values = sorted({_index(name) for name in names})
    if len(values) > 2 and values == list(range(values[0], values[-1] + 1)):
        return f"{values[0]}-{values[-1]}"
    return ", ".join(map(str, values))


def _dead_alternatives(pattern: str, names: list[str]) -> list[str]:
    """Top-level alternatives that full-match no module name although a name ends with their text."""
    parts = _top_level_alternatives(pattern)
    if len(parts) < 2:
        return []
    dead = []
    for part in parts:
        try:
            if any(re.fullmatch(part, name) for name in names):
                continue
        except re.error:
            return []
        leaf = part.lstrip("^").rstrip("$")
        if re.fullmatch(r"[\w]+", leaf) and any(name.endswith("." + leaf) for name in names):
            dead.append(part)
    return dead


def _top_level_alternatives(pattern: str) -> list[str]:
    """Split a regex at ``|`` outside groups and character classes (escapes respected)."""
    parts, current, depth, in_class, escaped = [], "", 0, False, False
    for char in pattern:
        if escaped:
            current, escaped = current + char, False
            continue
        if char == "\\":
            current, escaped = current + char, True
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(current)
            current = ""
            continue
        current += char
    return [*parts, current]
