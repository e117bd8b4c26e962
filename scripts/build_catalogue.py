"""Build step: the message catalogue (kb/data/catalogue.json.gz), extracted from released wheels.

Usage:
  python scripts/build_catalogue.py [--cache DIR] [--offline] [--out PATH]
                                    [--holdout-latest] [--no-js-check]

Downloads (``pip download --no-deps --only-binary=:all:``) into ``--cache`` (default
``~/.cache/peft-why/wheels``, outside the repo) the releases in SCOPE that are missing, then reads
the Python files straight from the wheels (no unpacking) and extracts with ``ast`` every

  raise X(<message>)   warnings.warn(<message>)   logger.warning/warning_once/error(<message>)

whose message is a literal, an f-string, a ``%`` or ``.format`` template, a concatenation, or a
local variable assigned one of those in the same function. Nothing is typed by hand: the text is
the library's own. What cannot be read statically is counted by kind and printed ("misses").

It downloads, so it stays out of CI; ``make catalogue`` runs it. ``--holdout-latest`` also reports
how many messages new in the newest peft release a catalogue built without it already recognises.
"""

from __future__ import annotations

import argparse
import ast
import fnmatch
import gzip
import json
import random
import re
import subprocess
import sys
import time
import zipfile
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout: matcher/catalogue.py owns the regex and the id

from matcher.catalogue import (  # noqa: E402
    PLACEHOLDER,
    Catalogue,
    anchor_words,
    catalogue_hits,
    message_id,
    normalise_template,
    template_regex,
)

GENERATOR = "build_catalogue 1"
OUT = ROOT / "kb" / "data" / "catalogue.json.gz"
SIZE_CAP = 1_500_000  # bytes of the committed .json.gz; the build fails above it
MIN_LITERAL = 8  # a template with fewer literal characters identifies nothing (f"{a}: {b}")

# What is read, per package. "releases": every = each release from "from"; per-minor = the latest
# patch of each minor from "from" (the sampling granularity is recorded in the output).
SCOPE: dict[str, dict[str, Any]] = {
    "peft": {"from": "0.2.0", "sampling": "every", "files": ["peft/*"]},
    "transformers": {
        "from": "4.30.0",
        "sampling": "per-minor",
        "files": [
            "transformers/integrations/peft.py",
            "transformers/trainer.py",
            "transformers/trainer_utils.py",
            "transformers/modeling_utils.py",
            "transformers/quantizers/*",
            "transformers/utils/quantization_config.py",
            "transformers/pipelines/__init__.py",
        ],
    },
    # trl: the trainers that accept ``peft_config`` (a file under trl/ whose functions take a
    # ``peft_config`` argument and whose path names a trainer), decided per release.
    "trl": {"from": "0.7.0", "sampling": "per-minor", "files": ["trl/*trainer*"], "needs_arg": "peft_config"},
    "accelerate": {
        "from": "0.20.0",
        "sampling": "per-minor",
        "files": ["accelerate/accelerator.py", "accelerate/utils/modeling.py", "accelerate/big_modeling.py"],
    },
}
LOG_METHODS = {"warning", "warning_once", "error", "warn"}
MAX_ALTERNATIVES = 8  # templates per site (if/else branches, variables assigned twice)


def version_key(text: str) -> tuple[int, ...]:
    """Numeric release order; pre-releases never reach here (filtered in ``releases``)."""
    return tuple(int(part) for part in text.split("."))


# ---------------------------------------------------------------------------------------------
# Releases and wheels


def sampled(package: str, versions: list[str]) -> list[str]:
    """The releases read: from the scope's first one, every release or the latest patch per minor."""
    scope = SCOPE[package]
    versions = sorted((v for v in versions if version_key(v) >= version_key(scope["from"])), key=version_key)
    if scope["sampling"] == "every":
        return versions
    latest: dict[tuple[int, ...], str] = {}
    for version in versions:
        latest[version_key(version)[:2]] = version
    return sorted(latest.values(), key=version_key)


def releases(package: str) -> list[str]:
    """The releases in scope, from PyPI's index (final releases only)."""
    done = subprocess.run(
        [sys.executable, "-m", "pip", "index", "versions", package, "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("Available versions:"))
    found = [v.strip() for v in line.split(":", 1)[1].split(",")]
    final = [v for v in found if re.fullmatch(r"\d+\.\d+\.\d+", v)]
    return sampled(package, final)


def cached_releases(package: str, cache: Path) -> list[str]:
    """Offline: the releases whose wheels are already cached (the same sampling rule applies)."""
    names = [p.name for p in (cache / package).glob(f"{package}-*.whl")]
    versions = sorted({n.split("-")[1] for n in names})
    return sampled(package, versions)


def wheel_path(package: str, version: str, cache: Path) -> Path | None:
    return next(iter(sorted((cache / package).glob(f"{package}-{version}-*.whl"))), None)


def download(package: str, version: str, cache: Path) -> Path | None:
    """The cached wheel, fetched with pip when missing; None when pip has no wheel for it."""
    found = wheel_path(package, version, cache)
    if found is not None:
        return found
    folder = cache / package
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "-q",
            "--disable-pip-version-check",
            "--no-deps",
            "--only-binary=:all:",
            f"{package}=={version}",
            "-d",
            str(folder),
        ],
        capture_output=True,
    )
    return wheel_path(package, version, cache)


def sources(package: str, wheel: Path) -> Iterator[tuple[str, str]]:
    """(path inside the wheel, text) for the files in scope."""
    scope = SCOPE[package]
    with zipfile.ZipFile(wheel) as archive:
        names = sorted(archive.namelist())
        for name in names:
            if not name.endswith(".py") or not any(fnmatch.fnmatch(name, pat) for pat in scope["files"]):
                continue
            if shadowed(name, names):
                continue
            text = archive.read(name).decode("utf-8", errors="replace")
            if "needs_arg" in scope and not takes_argument(text, scope["needs_arg"]):
                continue
            yield name, text


def shadowed(name: str, names: Sequence[str]) -> bool:
    """Whether a module file is dead because a package of the same name sits beside it.

    Some wheels ship a stale ``peft/tuners/lora.py`` beside the ``peft/tuners/lora/`` package that
    replaced it (peft 0.6.x); ``import`` finds the package, so the file's messages cannot be raised.
    """
    return name.endswith(".py") and f"{name[:-3]}/__init__.py" in names


def takes_argument(text: str, argument: str) -> bool:
    """Whether any function in the file has a parameter with this name."""
    if argument not in text:
        return False
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return False
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = node.args
            if any(a.arg == argument for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]):
                return True
    return False


# ---------------------------------------------------------------------------------------------
# Templates: a message expression as literal text and placeholders


@dataclass(frozen=True)
class Hole:
    """A placeholder: where the message shows a run-time value."""


Part = Union[str, Hole]
Template = tuple[Part, ...]
HOLE = Hole()


class Miss(Exception):
    """The message cannot be read statically; ``kind`` says why (it is counted)."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


_PERCENT = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?[diouxXeEfFgGcrsa%]")
_FORMAT_FIELD = re.compile(r"\{\{|\}\}|\{[^{}]*\}")


def _percent_template(text: str) -> Template:
    parts: list[Part] = []
    last = 0
    for match in _PERCENT.finditer(text):
        parts.append(text[last : match.start()])
        parts.append("%" if match.group() == "%%" else HOLE)
        last = match.end()
    parts.append(text[last:])
    return tuple(parts)


def _format_template(text: str) -> Template:
    parts: list[Part] = []
    last = 0
    for match in _FORMAT_FIELD.finditer(text):
        parts.append(text[last : match.start()])
        token = match.group()
        parts.append("{" if token == "{{" else "}" if token == "}}" else HOLE)
        last = match.end()
    parts.append(text[last:])
    return tuple(parts)


def _is_str_call(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in {"str", "repr"}


class Reader:
    """Turns message expressions into templates, with one function's local assignments in view."""

    def __init__(self, assignments: dict[str, list[ast.expr]], params: set[str]) -> None:
        self.assignments = assignments
        self.params = params
        self.depth = 0

    def read(self, node: ast.expr) -> list[Template]:
        """All templates the expression can produce (branches of an ``if``-expression each count)."""
        self.depth += 1
        try:
            if self.depth > 12:
                raise Miss("expression too deep")
            return self._read(node)[:MAX_ALTERNATIVES]
        finally:
            self.depth -= 1

    def _read(self, node: ast.expr) -> list[Template]:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                return [(node.value,)]
            raise Miss("non-string constant")
        if isinstance(node, ast.JoinedStr):
            parts: list[Part] = []
            for value in node.values:
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    parts.append(value.value)
                else:
                    parts.append(HOLE)
            return [tuple(parts)]
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left = self._operand(node.left)
            right = self._operand(node.right)
            return [a + b for a in left for b in right]
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            if isinstance(node.left, ast.Constant) and isinstance(node.left.value, str):
                return [_percent_template(node.left.value)]
            raise Miss("% on a non-literal")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
            base = node.func.value
            if isinstance(base, ast.Constant) and isinstance(base.value, str):
                return [_format_template(base.value)]
            if isinstance(base, ast.Name):
                return [
                    _format_template("".join(p if isinstance(p, str) else "{}" for p in t)) for t in self.read(base)
                ]
            raise Miss(".format on a non-literal")
        if isinstance(node, ast.IfExp):
            return self.read(node.body) + self.read(node.orelse)
        if isinstance(node, ast.Name):
            if node.id in self.assignments:
                found: list[Template] = []
                for value in self.assignments[node.id]:
                    found.extend(self.read(value))
                return found
            if node.id in self.params:
                raise Miss("a parameter of the function")
            raise Miss("a variable from another scope")
        if isinstance(node, ast.Call):
            raise Miss("a call result")
        if isinstance(node, ast.Attribute):
            raise Miss("an attribute")
        raise Miss(f"non-literal expression ({type(node).__name__})")

    def _operand(self, node: ast.expr) -> list[Template]:
        """A side of ``+``: a message part, or a value shown in the message (a placeholder)."""
        try:
            return self.read(node)
        except Miss:
            if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript)) or _is_str_call(node):
                return [(HOLE,)]
            raise


def flatten(template: Template) -> tuple[str, int]:
    """The template as text with PLACEHOLDER marks (adjacent holes merged), and its literal length."""
    out: list[str] = []
    for part in template:
        if isinstance(part, Hole):
            if not out or out[-1] != PLACEHOLDER:
                out.append(PLACEHOLDER)
        else:
            out.append(part.replace(PLACEHOLDER, "{...}"))
    text = normalise_template("".join(out))
    literal = len(text.replace(PLACEHOLDER, "").replace(" ", ""))
    return text, literal


# ---------------------------------------------------------------------------------------------
# Sites


@dataclass
class Site:
    """One place a message is raised, warned or logged."""

    template: str
    literal: int
    kind: str  # raise | warn | log
    exception: str
    file: str
    function: str
    condition: str


@dataclass
class FileResult:
    sites: list[Site] = field(default_factory=list)
    misses: Counter[str] = field(default_factory=Counter)


def _callee(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_callee(node.value)}.{node.attr}"
    return "?"


def _message_arg(call: ast.Call, keyword: str) -> ast.expr | None:
    if call.args and not isinstance(call.args[0], ast.Starred):
        return call.args[0]
    for item in call.keywords:
        if item.arg == keyword:
            return item.value
    return None


def _clip(text: str, limit: int = 240) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Extractor(ast.NodeVisitor):
    """Walks one module: functions (qualified by class), ``if`` tests, and message sites."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.scope: list[str] = []
        self.conditions: list[str] = []
        self.readers: list[Reader] = [Reader({}, set())]
        self.result = FileResult()

    # scopes
    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        assignments: dict[str, list[ast.expr]] = {}
        for inner in ast.walk(node):
            if isinstance(inner, ast.Assign):
                for target in inner.targets:
                    if isinstance(target, ast.Name):
                        assignments.setdefault(target.id, []).append(inner.value)
            elif isinstance(inner, ast.AnnAssign) and isinstance(inner.target, ast.Name) and inner.value is not None:
                assignments.setdefault(inner.target.id, []).append(inner.value)
            elif (
                isinstance(inner, ast.AugAssign)
                and isinstance(inner.op, ast.Add)
                and isinstance(inner.target, ast.Name)
                and inner.target.id in assignments
            ):
                # msg = "a"; if x: msg += "b": the message is "a" or "a" + "b" (each += adds one)
                values = assignments[inner.target.id]
                values.append(ast.BinOp(left=values[-1], op=ast.Add(), right=inner.value))
        args = node.args
        params = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
        params.update(a.arg for a in (args.vararg, args.kwarg) if a is not None)
        self.scope.append(node.name)
        self.readers.append(Reader(assignments, params))
        saved, self.conditions = self.conditions, []
        self.generic_visit(node)
        self.conditions = saved
        self.readers.pop()
        self.scope.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._function(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._function(node)

    def visit_If(self, node: ast.If) -> None:
        test = _clip(ast.unparse(node.test))
        self.visit(node.test)
        self.conditions.append(test)
        for item in node.body:
            self.visit(item)
        self.conditions[-1] = f"not ({test})"
        for item in node.orelse:
            self.visit(item)
        self.conditions.pop()

    # sites
    def visit_Raise(self, node: ast.Raise) -> None:
        if isinstance(node.exc, ast.Call):
            self._site("raise", _callee(node.exc.func).rsplit(".", 1)[-1], _message_arg(node.exc, "message"))
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        callee = _callee(node.func)
        if callee in {"warnings.warn", "warn"}:
            category = node.args[1] if len(node.args) > 1 else None
            for item in node.keywords:
                if item.arg == "category":
                    category = item.value
            name = _callee(category).rsplit(".", 1)[-1] if category is not None else "UserWarning"
            self._site("warn", name, _message_arg(node, "message"))
        elif isinstance(node.func, ast.Attribute) and node.func.attr in LOG_METHODS and "log" in callee.lower():
            level = "ERROR" if node.func.attr == "error" else "WARNING"
            # logger.warning("x %s", value): logging applies % to the arguments
            self._site("log", level, _message_arg(node, "msg"), percent=len(node.args) > 1)
        self.generic_visit(node)

    def _site(self, kind: str, exception: str, message: ast.expr | None, *, percent: bool = False) -> None:
        if message is None:
            self.result.misses["no message argument"] += 1
            return
        try:
            templates = self.readers[-1].read(message)
        except Miss as miss:
            self.result.misses[miss.kind] += 1
            return
        if percent:
            templates = [
                tuple(x for part in t for x in (_percent_template(part) if isinstance(part, str) else (part,)))
                for t in templates
            ]
        function = ".".join(self.scope) or "<module>"
        condition = self.conditions[-1] if self.conditions else ""
        seen: set[str] = set()
        for template in templates:
            text, literal = flatten(template)
            if literal < MIN_LITERAL:
                self.result.misses["too little literal text"] += 1
                continue
            if text in seen:
                continue
            seen.add(text)
            self.result.sites.append(Site(text, literal, kind, exception, self.path, function, condition))


def extract(path: str, text: str) -> FileResult:
    """The message sites of one file; a file that does not parse counts as one miss."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        result = FileResult()
        result.misses["file does not parse"] += 1
        return result
    extractor = Extractor(path)
    extractor.visit(tree)
    return extractor.result


# ---------------------------------------------------------------------------------------------
# The catalogue


def read_package(
    package: str, versions: list[str], cache: Path
) -> tuple[dict[str, Any], Counter[str], Counter[str], list[str]]:
    """Messages of one package across releases (id -> record), the misses of the newest release
    read and the misses summed over all releases read (a site missed in 30 releases counts 30)."""
    messages: dict[str, dict[str, Any]] = {}
    misses: Counter[str] = Counter()
    total: Counter[str] = Counter()
    read: list[str] = []
    for version in versions:
        wheel = wheel_path(package, version, cache)
        if wheel is None:
            print(f"  {package} {version}: no wheel, skipped", file=sys.stderr)
            continue
        read.append(version)
        release_misses: Counter[str] = Counter()
        for path, text in sources(package, wheel):
            result = extract(path, text)
            release_misses.update(result.misses)
            for site in result.sites:
                key = message_id(package, site.template)
                record = messages.setdefault(
                    key,
                    {"id": key, "t": site.template, "lit": site.literal, "first": version, "sites": {}},
                )
                record["last"] = version
                site_key = (site.kind, site.exception, site.file, site.function)
                record["sites"].setdefault(site_key, {"cond": site.condition, "first": version})
                record["sites"][site_key]["last"] = version
        total.update(release_misses)
        misses = release_misses  # the newest release's misses are the ones that matter today
    return messages, misses, total, read


def compact(package: str, messages: dict[str, Any]) -> list[dict[str, Any]]:
    """JSON-ready records: the newest site first; sites as short lists to keep the file small."""
    out = []
    for key in sorted(messages):
        record = messages[key]
        # Newest first: the latest release that has it, then the latest to introduce it (the current form).
        sites = sorted(
            record["sites"].items(),
            key=lambda item: (version_key(item[1]["last"]), version_key(item[1]["first"]), item[0]),
            reverse=True,
        )
        out.append(
            {
                "id": key,
                "p": package,
                "t": record["t"],
                "re": template_regex(record["t"]),
                "lit": record["lit"],
                "first": record["first"],
                "last": record["last"],
                "sites": [[k[0], k[1], k[2], k[3], v["cond"], v["first"], v["last"]] for k, v in sites],
            }
        )
    return out


def check_js(patterns: list[str]) -> list[str]:
    """Patterns JavaScript's RegExp (with and without the ``u`` flag) rejects, via one node call."""
    script = (
        "const ps = JSON.parse(require('fs').readFileSync(0, 'utf8')); const bad = [];"
        "for (const p of ps) { for (const f of ['', 'u']) { try { new RegExp(p, f); }"
        " catch (e) { bad.push(p); break; } } } process.stdout.write(JSON.stringify(bad));"
    )
    done = subprocess.run(
        ["node", "-e", script], input=json.dumps(patterns), capture_output=True, text=True, check=True
    )
    bad: list[str] = json.loads(done.stdout)
    return bad


def check_python(patterns: list[str]) -> list[str]:
    import regex

    bad = []
    for pattern in patterns:
        try:
            regex.compile(pattern)
        except regex.error:
            bad.append(pattern)
    return bad


def build(
    cache: Path, offline: bool, only: dict[str, list[str]] | None = None
) -> tuple[dict[str, Any], dict[str, Counter[str]]]:
    """The whole catalogue document and the misses per package (``only``: these releases, cached)."""
    header: dict[str, Any] = {"generator": GENERATOR, "size_cap_bytes": SIZE_CAP, "packages": {}}
    entries: list[dict[str, Any]] = []
    all_misses: dict[str, Counter[str]] = {}
    for package, scope in SCOPE.items():
        if only is not None:
            versions = only[package]
        else:
            versions = cached_releases(package, cache) if offline else releases(package)
        if only is None and not offline:
            for version in versions:
                if download(package, version, cache) is None:
                    print(f"  {package} {version}: pip has no wheel", file=sys.stderr)
        messages, misses, total, read = read_package(package, versions, cache)
        all_misses[package] = misses
        records = compact(package, messages)
        entries.extend(records)
        header["packages"][package] = {
            "sampling": scope["sampling"],
            "files": scope["files"],
            "releases": read,
            "messages": len(records),
            "misses_in_latest": dict(sorted(misses.items())),
            "misses_all_releases": dict(sorted(total.items())),
        }
    for entry, anchor in zip(entries, anchor_words([e["t"] for e in entries])):
        entry["a"] = anchor
    header["messages"] = len(entries)
    return {"header": header, "messages": entries}, all_misses


def write(document: dict[str, Any], out: Path) -> int:
    data = json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=False).encode("utf-8")
    blob = gzip.compress(data, compresslevel=9, mtime=0)
    out.write_bytes(blob)
    return len(blob)


FILL_VALUES = {
    "identifier": ["q_proj", "lora_A", "default", "my_adapter", "use_dora"],
    "number": ["16", "0", "3.5", "-1", "4096"],
    "module": ["model.layers.0.self_attn.q_proj", "base_model.model.lm_head", "transformer.h.3.attn.c_attn"],
    "collection": ["{'q_proj', 'v_proj'}", "['q_proj', 'k_proj']", "('lora_A', 'lora_B')", "{'r': 8}"],
    "type": ["LlamaForCausalLM", "torch.float16", "<class 'torch.nn.modules.linear.Linear'>", "LoraConfig"],
}


def fill(template: str, rng: random.Random) -> str:
    """A plausible one-line paste of a template: each placeholder gets a typical run-time value."""
    kinds = sorted(FILL_VALUES)
    pieces = template.split(PLACEHOLDER)
    out = pieces[0]
    for piece in pieces[1:]:
        out += rng.choice(FILL_VALUES[rng.choice(kinds)]) + piece
    return " ".join(out.split())


def paste_line(record: dict[str, Any], rng: random.Random) -> str:
    """The line a user would paste: ``Exception: message`` (a log record is the bare message)."""
    kind, exception = record["sites"][0][0], record["sites"][0][1]
    message = fill(record["t"], rng)
    return message if kind == "log" else f"{exception}: {message}"


def holdout(document: dict[str, Any], cache: Path) -> None:
    """How many messages new in the newest peft release older templates already recognise."""
    latest = document["header"]["packages"]["peft"]["releases"][-1]
    new = [m for m in document["messages"] if m["p"] == "peft" and m["first"] == latest]
    only = {package: list(info["releases"]) for package, info in document["header"]["packages"].items()}
    only["peft"] = only["peft"][:-1]
    older, _ = build(cache, True, only)
    catalogue = Catalogue.from_document(older)
    rng = random.Random(15)
    known = sum(1 for m in new if catalogue_hits(paste_line(m, rng), catalogue))
    print(f"holdout: peft {latest} brings {len(new)} new messages; older templates recognise {known}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cache", default=str(Path.home() / ".cache" / "peft-why" / "wheels"))
    parser.add_argument("--offline", action="store_true", help="read only the wheels already cached")
    parser.add_argument("--out", default=str(OUT))
    parser.add_argument("--holdout-latest", action="store_true")
    parser.add_argument("--no-js-check", action="store_true")
    args = parser.parse_args()
    cache = Path(args.cache)
    started = time.perf_counter()
    document, misses = build(cache, args.offline)
    patterns = [m["re"] for m in document["messages"]]
    bad_python = check_python(patterns)
    bad_js = [] if args.no_js_check else check_js(patterns)
    for pattern in bad_python + bad_js:
        print(f"regex does not compile: {pattern[:120]}", file=sys.stderr)
    if bad_python or bad_js:
        return 1
    size = write(document, Path(args.out))
    for package, info in document["header"]["packages"].items():
        releases_read = info["releases"]
        span = f"{releases_read[0]}..{releases_read[-1]}" if releases_read else "none"
        print(f"{package}: {info['messages']} messages from {len(releases_read)} releases ({span}, {info['sampling']})")
        newest = releases_read[-1] if releases_read else "-"
        summed = info["misses_all_releases"]
        for kind, count in misses[package].most_common():
            print(f"  miss in {newest}: {kind}: {count} (all releases read: {summed[kind]})")
        for kind in sorted(set(summed) - set(misses[package])):
            print(f"  miss in older releases only: {kind}: {summed[kind]}")
    print(f"wrote {args.out}: {document['header']['messages']} messages, {size} bytes (cap {SIZE_CAP})")
    js = "skipped" if args.no_js_check else "all"
    print(f"regexes compile in Python regex: all {len(patterns)}; in JavaScript: {js}")
    print(f"took {time.perf_counter() - started:.1f}s")
    if args.holdout_latest:
        holdout(document, cache)
    return 1 if size > SIZE_CAP else 0


if __name__ == "__main__":
    sys.exit(main())
