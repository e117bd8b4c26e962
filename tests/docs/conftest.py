"""The docs site, built once per session, served on 127.0.0.1, and driven once by headless Chromium.

Browser and Node tests skip (with the reason) only when Chromium, Node or playwright-core
is genuinely missing; ``make browser-deps`` installs them. Under ``CI=true`` a missing piece
fails the test instead: CI runs ``make browser-deps`` first, so a skip there would hide a
broken set-up (or a paste page nobody checked).
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn

import pytest

from peft_why.kb.loader import KnowledgeBase, load_kb
from peft_why.kb.model import Entry

from ..secret_corpus import CORPUS

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / ".artifacts"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
REDACT_PROBE = (
    'File "/home/alice/train.py", line 3, in <module>\n'
    "OSError: hf_AbCdEfGhIjKlMnOpQrStUv rejected for alice@example.com (C:\\Users\\alice\\cache)\n"
    + "\n".join(case.text for case in CORPUS)  # every secret shape, through the page's own #q= handling
)
TARGET_MODULES_QUERY = "Target modules {'q_proj'} not found"
# Source answers on the paste page: a line a curated pattern settles, and a library message no entry covers.
SOURCE_PROBE = {
    "curated": "ValueError: Target modules {'q_proj', 'v_proj'} not found in the base model.",
    "source": "ValueError: FRoD runtime base-weight offloading must be enabled for all adapters or none, "
    "but got multiple different values: {True, False}",
}


def on_ci() -> bool:
    """``CI=true`` (GitHub Actions, GitLab, .ci/run): the environment promises every tool."""
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def unavailable(reason: str) -> NoReturn:
    """Skip for ``reason`` on a developer machine; fail under CI, where a skip would hide the gap."""
    if on_ci():
        pytest.fail(f"{reason}; CI=true, so this fails instead of skipping (run `make browser-deps`)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def node() -> str:
    """The ``node`` executable, for the tests that run the paste page's JavaScript."""
    found = shutil.which("node")
    if found is None:
        unavailable("node is not installed (make browser-deps installs it)")
    return found


needs_node = pytest.mark.usefixtures("node")


@dataclass(frozen=True)
class BuiltSite:
    """A strict build of the site: where it is and how long it took."""

    path: Path
    seconds: float
    log: str


def build_site(out: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``mkdocs build --strict`` of this checkout into ``out``, with the test process's Python."""
    run_env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})}
    command = [
        sys.executable,
        "-m",
        "mkdocs",
        "build",
        "--strict",
        "-f",
        str(ROOT / "mkdocs.yml"),
        "-d",
        str(out),
    ]
    return subprocess.run(command, capture_output=True, text=True, env=run_env, timeout=300, check=False)


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_kb()


def kb_site_hook() -> ModuleType:
    """``docs/hooks/kb_site.py`` as a module (it is no package's)."""
    spec = importlib.util.spec_from_file_location("kb_site_hook", ROOT / "docs" / "hooks" / "kb_site.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def catalogue_json(kb: KnowledgeBase, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The paste page's ``catalogue.json``, as the build hook writes it (links computed with ``kb``)."""
    path = tmp_path_factory.mktemp("paste-catalogue") / "catalogue.json"
    path.write_text(kb_site_hook().catalogue_json(kb), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    out = tmp_path_factory.mktemp("site")
    started = time.perf_counter()
    done = build_site(out)
    seconds = time.perf_counter() - started
    assert done.returncode == 0, f"mkdocs build --strict failed:\n{done.stdout}\n{done.stderr}"
    return BuiltSite(out, seconds, done.stdout + done.stderr)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def site_url(site: BuiltSite) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(site.path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def chromium_path() -> str | None:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    return found or next((p for p in CHROMIUM_CANDIDATES if os.access(p, os.X_OK)), None)


def browser_unavailable() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if chromium_path() is None:
        return "chromium is not installed (make browser-deps installs Debian's chromium)"
    if shutil.which("node") is None:
        return "node is not installed"
    version = subprocess.run(["node", "--version"], capture_output=True, text=True, check=False).stdout.strip()
    if int(version.lstrip("v").split(".")[0] or 0) < 20:
        return f"playwright-core needs node >= 20, found {version}"
    if not (ROOT / "node_modules" / "playwright-core").is_dir():
        return "playwright-core is not installed (make browser-deps runs npm ci)"
    return None


def first_traceback(entry: Entry) -> str | None:
    """The entry's first example that is a whole reproduced traceback."""
    return next((t for t in entry.examples.match if "Traceback (most recent call last)" in t), None)


def all_examples(kb: KnowledgeBase) -> list[tuple[str, str, str]]:
    """(entry id, kind, text) for every example of every active entry."""
    rows: list[tuple[str, str, str]] = []
    for entry in kb.active:
        rows += [(entry.id, "match", text) for text in entry.examples.match]
        rows += [(entry.id, "no_match", text) for text in entry.examples.no_match]
        rows += [(entry.id, "known_miss", miss.text) for miss in entry.examples.known_miss]
    return rows


def cli_top(text: str) -> str | None:
    """What ``peft-why`` ranks first with only the stages the browser runs."""
    from peft_why.matcher.diagnose import diagnose_text
    from peft_why.matcher.front_ends import FRONT_ENDS

    found = diagnose_text(text, top=1, stages=FRONT_ENDS["browser"])
    return found[0].id if found else None


def error_line(text: str) -> str | None:
    from peft_why.matcher.parse import parse

    final = parse(text).final
    return final.headline if final else None


@dataclass(frozen=True)
class BrowserRun:
    job: dict[str, Any]
    seen: dict[str, Any]
    seconds: float


@pytest.fixture(scope="session")
def browser(kb: KnowledgeBase, site_url: str) -> BrowserRun:
    """One Chromium session over the whole site; the tests assert on what it saw."""
    reason = browser_unavailable()
    if reason:
        unavailable(reason)
    pastes = []
    for entry in kb.active:
        text = first_traceback(entry)
        if text and cli_top(text) == entry.id and len(pastes) < 6:
            pastes.append({"text": text, "expect": entry.id})
    searches = [TARGET_MODULES_QUERY] if "target-modules-not-found" in kb else []
    search_expect = {TARGET_MODULES_QUERY: "target-modules-not-found"}
    for entry in kb.active[:: max(1, len(kb.active) // 12)]:  # ~12 entries spread over the KB, not its first 6
        line = next((error_line(t) for t in entry.examples.match if error_line(t)), None)
        query = " ".join(line.split())[:120] if line else ""  # a typed Enter would leave the search box
        if query and query not in search_expect:
            searches.append(query)
            search_expect[query] = entry.id
    ids = [entry.id for entry in kb.entries]
    job = {
        "base": site_url,
        "chromium": chromium_path(),
        "artifacts": str(ARTIFACTS),
        "searches": searches,
        "search_expect": search_expect,
        "pastes": pastes,
        "entryPages": ids,
        "redactProbe": REDACT_PROBE,
        "sourceProbe": SOURCE_PROBE,
        "agreement": [text for _id, _kind, text in all_examples(kb)],
        "screenshotPaste": pastes[0]["text"] if pastes else "ValueError: Attempting to unscale FP16 gradients.",
        "screenshotEntry": "target-modules-not-found" if "target-modules-not-found" in kb else ids[0],
    }
    started = time.perf_counter()
    done = subprocess.run(
        ["node", str(ROOT / "tests" / "docs" / "browser.js")],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, f"the browser run failed:\n{done.stderr[-4000:]}"
    return BrowserRun(job, json.loads(done.stdout), time.perf_counter() - started)
