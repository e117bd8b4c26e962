"""Compose the stages: a paste (or a live exception) in, ranked diagnoses out.

This is the one entry point the CLI and the hook call. The KB and its index are
loaded once per process and per set of user KB directories.
"""

from __future__ import annotations

import functools
import os
import sys
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

# installed_versions / interpreter_versions are re-exported: callers read versions through the matcher.
from peft_why._env import installed_versions as installed_versions
from peft_why._env import interpreter_versions as interpreter_versions

from . import frame_stage, fuzzy, lexical, regex_stage, symptom, version
from .fuse import ABSTAIN_BELOW, DEFAULT_WEIGHTS, fuse
from .index import KbIndex
from .parse import parse
from .prepared import Prepared, as_prepared, prepare, prepared_data, prepared_from_data
from .trace import Trace
from .types import STAGES, Candidate, Diagnosis

if TYPE_CHECKING:
    from peft_why.kb.checks._core import Finding
    from peft_why.kb.model import Entry, KnowledgeBase

    from .semantic import VectorIndex
    from .source import SourceFinding

# Stages this release implements; the others are accepted names that contribute nothing yet.
IMPLEMENTED_STAGES: tuple[str, ...] = STAGES
# A regex hit on the exception message itself settles a paste: the semantic stage (and its
# 0.5 s of imports and model loading) is skipped unless it is the only stage asked for.
SETTLED_AT = 1.0
# One time budget for all symptom patterns on one paste (the regex module enforces it per search).
REGEX_BUDGET_S = 1.0
# How much a catalogue link weighs in ``fuse``: as much as a symptom pattern (it names the very
# message the entry is about). Kept beside, not inside, DEFAULT_WEIGHTS (a calibrated, hashed set).
CATALOGUE_WEIGHT = 0.92


@functools.lru_cache(maxsize=8)
def _cached_kb(extra_dirs: tuple[str, ...], env_path: str) -> tuple[KnowledgeBase, Prepared]:
    del env_path  # part of the cache key only: PEFT_WHY_KB_PATH changes which entries load
    from peft_why import __version__
    from peft_why.kb.paths import ENTRIES_DIR

    from .compiled import cache_dir, cache_key, load_compiled

    def load() -> KnowledgeBase:
        from peft_why.kb.loader import load_kb

        return load_kb(extra_dirs)

    builtin = ENTRIES_DIR
    from_env = [Path(p) for p in os.environ.get("PEFT_WHY_KB_PATH", "").split(os.pathsep) if p.strip()]
    dirs = [builtin, *from_env, *(Path(d) for d in extra_dirs)]
    if os.environ.get("PEFT_WHY_NO_CACHE") == "1":
        kb = load()
        return kb, prepare(kb.active)
    key = cache_key(__version__, dirs)
    path = cache_dir() / f"kb-{key}.marshal"
    kb, derived = load_compiled(path, key, load, lambda kb: prepared_data(prepare(kb.active)))
    return kb, prepared_from_data(derived, kb.active) if derived else prepare(kb.active)


def get_kb(extra_dirs: Sequence[str] = ()) -> tuple[KnowledgeBase, KbIndex]:
    """The KB in effect (built-in + ``PEFT_WHY_KB_PATH`` + ``extra_dirs``) and its index, cached."""
    kb, prepared = _cached_kb(tuple(str(d) for d in extra_dirs), os.environ.get("PEFT_WHY_KB_PATH", ""))
    return kb, prepared.index


def get_prepared(extra_dirs: Sequence[str] = ()) -> Prepared:
    """The stages' prepared indexes for the KB in effect (as ``get_kb``), kept for the process."""
    return _cached_kb(tuple(str(d) for d in extra_dirs), os.environ.get("PEFT_WHY_KB_PATH", ""))[1]


@functools.lru_cache(maxsize=8)
def _cached_vectors(extra_dirs: tuple[str, ...], env_path: str) -> VectorIndex | None:
    from peft_why.kb.paths import data_file

    from . import semantic

    _kb, prepared = _cached_kb(extra_dirs, env_path)
    index = prepared.index
    try:
        encoder = semantic.load_encoder()
    except semantic.ModelUnavailable as exc:
        print(f"peft-why: semantic stage off: {exc}; the other stages still run", file=sys.stderr)
        return None
    shipped = semantic.read_store(data_file(f"{semantic.VECTORS_NAME}.npy"))
    user_path = semantic.cache_dir() / f"{semantic.VECTORS_NAME}-{semantic.MODEL_SHA256[:12]}.npy"
    user = semantic.read_store(user_path)
    pairs = index.semantic_pairs if index.semantic_pairs is not None else semantic.entry_semantic_texts(index)
    vectors, fresh = semantic.build_vector_index(pairs, [shipped, user], encoder.encode)
    if fresh:
        try:
            semantic.write_store(user_path, {**user, **fresh}, encoder="numpy")
        except OSError as exc:  # a read-only home must not stop matching
            print(f"peft-why: could not cache vectors in {user_path.parent}: {exc}", file=sys.stderr)
    return vectors


def get_vectors(extra_dirs: Sequence[str] = ()) -> VectorIndex | None:
    """The semantic index for the KB in effect, or None (said once on stderr) when the model is missing."""
    return _cached_vectors(tuple(str(d) for d in extra_dirs), os.environ.get("PEFT_WHY_KB_PATH", ""))


def parse_stages(stages: Sequence[str] | None) -> tuple[str, ...]:
    """Validate a stage selection (``None`` = all); unknown names raise ``ValueError``."""
    if stages is None:
        return STAGES
    chosen = tuple(dict.fromkeys(s.strip() for s in stages if s.strip()))
    unknown = [s for s in chosen if s not in STAGES]
    if unknown:
        raise ValueError(f"unknown stage(s) {', '.join(unknown)}; choose from {', '.join(STAGES)}")
    if not chosen:
        raise ValueError(f"no stage selected; choose from {', '.join(STAGES)}")
    return chosen


def stage_candidates(
    trace: Trace,
    index: KbIndex | Prepared,
    *,
    stages: Sequence[str] = STAGES,
    vectors: Callable[[], VectorIndex | None] | None = None,
    versions: Mapping[str, str] | None = None,
) -> dict[str, list[Candidate]]:
    """Each selected stage's candidates for a parsed paste.

    ``vectors`` supplies the semantic index on demand (loading it is the only
    costly step), so a paste a regex settles never pays for the model. Pass a ``Prepared``
    (``get_prepared``) to reuse the stages' indexes; a bare ``KbIndex`` is prepared per call.
    """
    prepared = as_prepared(index)
    found: dict[str, list[Candidate]] = {}
    if "regex" in stages:
        found["regex"] = regex_stage.candidates(trace, prepared.regex, deadline=time.monotonic() + REGEX_BUDGET_S)
    if "frame" in stages:
        found["frame"] = frame_stage.candidates(trace, prepared.frame, functools.partial(_catalogue_links, prepared))
    if "lexical" in stages:
        found["lexical"] = lexical.candidates(trace, prepared.lexical)
    if "fuzzy" in stages:
        found["fuzzy"] = fuzzy.candidates(trace, prepared.fuzzy)
    settled = any(c.score >= SETTLED_AT for c in found.get("regex", ()))
    if "symptom" in stages and (not settled or len(stages) == 1):
        found["symptom"] = symptom.candidates(trace, prepared.symptom)
    # By default a stage the fusion gives no weight (bench/fit_devset.py) is not worth its model load;
    # a selection that names it runs it.
    chosen = tuple(stages) != STAGES
    wanted = len(stages) == 1 or (not settled and (chosen or DEFAULT_WEIGHTS.get("semantic", 0.0) > 0))
    if "semantic" in stages and vectors is not None and wanted:
        vector_index = vectors()
        if vector_index is not None:
            from .semantic import semantic_candidates

            found["semantic"] = semantic_candidates(trace, vector_index)
    if "version" in stages:
        found["version"] = version.candidates(trace, prepared.version, versions=versions)
    return found


def _catalogue_links(prepared: Prepared, message_id: str) -> tuple[str, ...]:
    """The entries linked to a catalogue message (the frame stage's lookup; imports the catalogue path)."""
    from .source import linked_entries

    return linked_entries(message_id, prepared)


def rank(
    trace: Trace,
    index: KbIndex | Prepared,
    *,
    stages: Sequence[str] = STAGES,
    threshold: float = ABSTAIN_BELOW,
    vectors: Callable[[], VectorIndex | None] | None = None,
    versions: Mapping[str, str] | None = None,
) -> list[Diagnosis]:
    """Run the selected stages on a parsed paste and fuse their evidence.

    ``versions`` (package -> version) overrides the versions the paste reveals.
    """
    prepared = as_prepared(index)
    found = stage_candidates(trace, prepared, stages=stages, vectors=vectors, versions=versions)
    return fuse(found, prepared.entries, DEFAULT_WEIGHTS, threshold=threshold)


@dataclass(frozen=True)
class PasteDiagnosis:
    """What a paste comes to: curated diagnoses (best first) and, beside them, answers from the source.

    ``source_answers`` is filled only when no curated symptom pattern fires: the paste shows a
    catalogued library message (``matcher/source.py``). A diagnosis then stands only with
    ``catalogue`` evidence (an entry linked to that message); similarity alone names none.
    """

    diagnoses: tuple[Diagnosis, ...] = ()
    source_answers: tuple[SourceFinding, ...] = field(default=())


def diagnose_paste(
    text: str,
    *,
    top: int = 3,
    stages: Sequence[str] | None = None,
    kb_dirs: Sequence[str] = (),
    versions: Mapping[str, str] | None = None,
) -> PasteDiagnosis:
    """``diagnose_text`` plus the answers from the source (the catalogue of library messages)."""
    chosen = parse_stages(stages)
    prepared = get_prepared(kb_dirs)
    found = paste_diagnosis(
        parse(text), prepared, stages=chosen, vectors=lambda: get_vectors(kb_dirs), versions=versions
    )
    return PasteDiagnosis(found.diagnoses[: max(0, top)], found.source_answers)


def paste_diagnosis(
    trace: Trace,
    index: KbIndex | Prepared,
    *,
    stages: Sequence[str] = STAGES,
    vectors: Callable[[], VectorIndex | None] | None = None,
    versions: Mapping[str, str] | None = None,
) -> PasteDiagnosis:
    """The production path on a parsed paste: the stages, then the catalogue when no pattern fired."""
    prepared = as_prepared(index)
    found = stage_candidates(trace, prepared, stages=stages, vectors=vectors, versions=versions)
    findings = source_lookup(trace, prepared, found, stages=stages, versions=versions)
    if not findings:
        return PasteDiagnosis(tuple(fuse(found, prepared.entries, DEFAULT_WEIGHTS)))
    from .source import answers_the_error

    ranked = with_sources(found, findings, answers_the_error(findings, trace), prepared.entries)
    return PasteDiagnosis(tuple(ranked), tuple(f for f in findings if f.shown))


def source_lookup(
    trace: Trace,
    index: KbIndex | Prepared,
    found: Mapping[str, Sequence[Candidate]],
    *,
    stages: Sequence[str] = STAGES,
    versions: Mapping[str, str] | None = None,
) -> list[SourceFinding]:
    """The source answers of a paste no curated pattern fired on (none, unloaded, when one did)."""
    if found.get("regex") or "regex" not in stages:
        # A curated pattern fired (or patterns were switched off): the catalogue is not even loaded.
        return []
    from .source import source_findings

    return source_findings(trace, as_prepared(index), versions)


def with_sources(
    found: Mapping[str, Sequence[Candidate]],
    findings: Sequence[SourceFinding],
    answers_error: bool,
    entries: Mapping[str, Entry],
    *,
    weights: Mapping[str, float] = DEFAULT_WEIGHTS,
    threshold: float = ABSTAIN_BELOW,
    calibration: tuple[float, float] | None = None,
) -> list[Diagnosis]:
    """Fuse with ``catalogue`` evidence for the entries linked to the source answers.

    When a source answer explains the error (``answers_error``), a curated entry stands only when
    linked to it: lexical, fuzzy or semantic similarity alone names none.
    """
    from .fuse import CALIBRATION
    from .source import catalogue_candidates

    stages = {**found, "catalogue": catalogue_candidates(findings)}
    weighted = {**weights, "catalogue": CATALOGUE_WEIGHT}
    ranked = fuse(stages, entries, weighted, threshold=threshold, calibration=calibration or CALIBRATION)
    if answers_error:
        ranked = [d for d in ranked if any(e.stage == "catalogue" for e in d.evidence)]
    return ranked


def diagnose_text(
    text: str,
    *,
    top: int = 3,
    stages: Sequence[str] | None = None,
    kb_dirs: Sequence[str] = (),
    versions: Mapping[str, str] | None = None,
) -> list[Diagnosis]:
    """Diagnose a pasted traceback, error line, warning or symptom sentence.

    Returns at most ``top`` diagnoses, best first; an empty list means no known
    entry fits (the matcher abstains rather than guess). ``versions`` (package ->
    version) are the user's, when known; else those the paste shows are used.
    ``diagnose_paste`` returns the same diagnoses plus the answers from the source.
    """
    return list(diagnose_paste(text, top=top, stages=stages, kb_dirs=kb_dirs, versions=versions).diagnoses)


def diagnose_exception(
    exc: BaseException,
    *,
    top: int = 3,
    stages: Sequence[str] | None = None,
    kb_dirs: Sequence[str] = (),
    verify: bool = False,
) -> list[Diagnosis]:
    """Diagnose a live exception (the hook's way in), including its chained causes.

    With ``verify``, the checks of the candidates within reach of the best run on what the failing
    frames hold (model, PEFT config, adapter folder, trainer, training arguments), bounded in time
    (``kb.checks._live``); each diagnosis whose check ran carries ``verification``, and the list is
    re-ranked by verdict (``matcher.verification``).
    """
    found = list(exception_paste(exc, top=top, stages=stages, kb_dirs=kb_dirs).diagnoses)
    if not (verify and found):
        return found
    from peft_why.kb.checks._live import verify_from_frames

    from .verification import family_lookup, with_verification, within_reach

    kb, _ = get_kb(kb_dirs)
    reach = within_reach(found, family_lookup(kb.entries))
    checks = {d.id: entry_check(d.id, kb_dirs) for d in reach}
    _objects, findings = verify_from_frames(exc, list(checks), checks=checks)
    return with_verification(found, {entry: f.to_dict() for entry, f in findings.items()})


def exception_paste(
    exc: BaseException,
    *,
    top: int = 3,
    stages: Sequence[str] | None = None,
    kb_dirs: Sequence[str] = (),
) -> PasteDiagnosis:
    """A live exception as ``diagnose_paste`` sees it (chained causes included), with this process's
    installed versions: the hook prints the source answers when no curated entry matches."""
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return diagnose_paste(text, top=top, stages=stages, kb_dirs=kb_dirs, versions=installed_versions())


def entry_check(entry_id: str, kb_dirs: Sequence[str] = ()) -> str | None:
    """The check that verifies an entry: its ``verify:`` field (None when it has none).

    An id that is no entry maps to the id-derived check name (``a-b`` → ``a_b``), so a check
    name given directly still works. Run time honours ``verify:``; nothing derives it from the id.
    """
    kb, _ = get_kb(kb_dirs)
    entry = kb.get(entry_id.strip())
    if entry is None:
        return entry_id.strip().replace("-", "_")
    return entry.verify


def verify(entry_id: str, model: Any = None, **context: Any) -> Finding:
    """``peft_why.verify``: run the check an entry names in ``verify:`` on a live model.

    An entry without ``verify:`` gives not-applicable, whatever files ``kb/checks/`` holds.
    """
    from peft_why.kb.checks._core import NOT_APPLICABLE, Finding
    from peft_why.kb.checks._runner import check_name
    from peft_why.kb.checks._runner import verify as run

    check = entry_check(entry_id)
    if check is None:
        return Finding(entry_id, NOT_APPLICABLE, f"no check for {entry_id!r}", check=check_name(entry_id))
    return run(entry_id, model, check=check, **context)
