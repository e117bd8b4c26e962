"""The compiled KB cache: same entries as the loader, rebuilt when a KB file changes."""

from __future__ import annotations

import json
import marshal
import os
import subprocess
import sys
from pathlib import Path

from peft_why import __version__
from peft_why.kb.loader import builtin_entries_dir, load_kb
from peft_why.kb.model import Entry, KnowledgeBase
from peft_why.matcher.compiled import cache_key, load_compiled, prune


def test_cold_and_warm_loads_give_equal_models(tmp_path: Path) -> None:
    key = cache_key(__version__, [builtin_entries_dir()])
    cold = load_kb(include_env=False)
    load_compiled(tmp_path / "kb.marshal", key, lambda: cold, lambda kb: {"n": len(kb)})  # writes the cache

    def refuse() -> KnowledgeBase:
        raise AssertionError("cache not used")

    warm, derived = load_compiled(tmp_path / "kb.marshal", key, refuse)
    assert derived == {"n": len(cold)}
    assert type(warm) is type(cold) is KnowledgeBase
    assert warm.entries == cold.entries  # dataclass equality: every field, nested ones included
    for entry in cold.entries:
        assert type(warm.get(entry.id)) is Entry
        assert warm.origin(entry.id) == cold.origin(entry.id)
        assert warm.loaded[entry.id].path == cold.loaded[entry.id].path
    assert warm.problems == cold.problems


def test_a_stale_cache_format_is_rebuilt(tmp_path: Path) -> None:
    cold = load_kb(include_env=False)
    # a format-3 cache (JSON) where a marshal file is expected
    stale = {"key": "k", "entries": [{"entry": {"id": "x"}}]}
    (tmp_path / "kb.marshal").write_text(json.dumps(stale), encoding="utf-8")
    kb, _ = load_compiled(tmp_path / "kb.marshal", "k", lambda: cold)
    assert kb is cold


def test_index_from_cache_equals_a_fresh_index() -> None:
    from peft_why.matcher.prepared import prepare, prepared_data, prepared_from_data

    entries = load_kb(include_env=False).active
    fresh = prepare(entries)
    again = prepared_from_data(marshal.loads(marshal.dumps(prepared_data(fresh))), entries)  # as the cache holds it
    assert again.index.documents == fresh.index.documents
    assert again.index.literals == fresh.regex.literals()
    assert [(lit, s.regex) for lit, _e, s in again.regex.rules] == [(lit, s.regex) for lit, _e, s in fresh.regex.rules]


def test_cache_key_changes_when_an_entry_file_changes(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("id: a\n", encoding="utf-8")
    before = cache_key("1", [tmp_path])
    (tmp_path / "a.yaml").write_text("id: a\ntitle: longer\n", encoding="utf-8")
    assert cache_key("1", [tmp_path]) != before
    (tmp_path / "b.yaml").write_text("id: b\n", encoding="utf-8")
    assert cache_key("1", [tmp_path]) != before


def test_json_path_imports_neither_pydantic_nor_yaml_nor_rich_once_cached(tmp_path: Path) -> None:
    paste = tmp_path / "p.txt"
    paste.write_text("ValueError: Attempting to unscale FP16 gradients.\n", encoding="utf-8")
    probe = (
        "import sys, runpy\n"
        f"sys.argv = ['peft-why', '--json', {str(paste)!r}]\n"
        "from peft_why.cli.main import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('pydantic', 'yaml', 'rich', 'torch', 'numpy') if m in sys.modules))\n"
    )
    env = {**os.environ, "PEFT_WHY_CACHE": str(tmp_path / "cache")}
    env.pop("PEFT_WHY_KB_PATH", None)
    subprocess.run([sys.executable, "-c", probe], env=env, check=True, capture_output=True)  # fills the cache
    out = subprocess.run([sys.executable, "-c", probe], env=env, check=True, capture_output=True, text=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_cached_lexical_index_equals_the_one_built_from_the_documents() -> None:
    from peft_why.kb.loader import load_kb
    from peft_why.matcher.prepared import prepare, prepared_data, prepared_from_data

    kb = load_kb(include_env=False)
    built = prepare(kb.active)
    data = marshal.loads(marshal.dumps(prepared_data(built)))  # as the cache file holds it
    cached = prepared_from_data(data, kb.active)
    assert cached.cached_lexical is not None
    assert cached.lexical == built.lexical  # same postings, same floats: same BM25 scores


def test_only_the_newest_cache_files_are_kept(tmp_path: Path) -> None:
    for number in range(5):
        path = tmp_path / f"kb-{number}.marshal"
        path.write_bytes(b"x")
        os.utime(path, (1_000 + number, 1_000 + number))
    (tmp_path / "kb-legacy.json").write_bytes(b"{}")  # format 3 wrote JSON: older than any marshal file
    (tmp_path / "semantic-vectors-1.npy").write_bytes(b"x")  # another kind of cache file: not ours to prune
    kept = tmp_path / "kb-0.marshal"  # the one just written counts as newest whatever its mtime
    prune(kept, keep=4)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "kb-0.marshal",
        "kb-2.marshal",
        "kb-3.marshal",
        "kb-4.marshal",
        "semantic-vectors-1.npy",
    ]


def test_a_written_cache_prunes_older_ones(tmp_path: Path) -> None:
    cold = load_kb(include_env=False)
    for number in range(12):
        (tmp_path / f"kb-old{number}.marshal").write_bytes(b"x")
    load_compiled(tmp_path / "kb-new.marshal", "k", lambda: cold)
    names = {p.name for p in tmp_path.iterdir()}
    assert "kb-new.marshal" in names and len(names) == 8
