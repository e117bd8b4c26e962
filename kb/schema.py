"""The KB entry schema: one YAML file per known failure, validated into these models.

The schema is a frozen contract (the breadth issues, the docs site and outside
tools write against it): fields may be added later only in a backward-compatible
way, never renamed or retyped. ``extra="forbid"`` turns a typo into an error
instead of a silently ignored key.

``Optional[...]`` is spelled out (not ``X | None``) because pydantic evaluates
these annotations at run time and peft-why supports Python 3.9.
"""

from __future__ import annotations

import re
from typing import Dict, List, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator

from . import model

Status = Literal["preview", "stable", "retired"]
Area = Literal["loading", "saving", "training", "quantization", "generation", "configuration", "environment"]
Scope = Literal["message", "traceback", "warning", "any"]
ReproducedHow = Literal["cpu", "side-venv", "gpu", "no"]

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
VERSION_PATTERN = re.compile(r"^\d+(?:\.\d+){0,3}(?:(?:a|b|rc|\.dev|\.post)\d+)?$")
SPECIFIER_PATTERN = re.compile(
    r"^\s*(?:(?:==|!=|<=|>=|<|>|~=)\s*[0-9][0-9A-Za-z.*+-]*\s*)(?:,\s*(?:==|!=|<=|>=|<|>|~=)\s*[0-9][0-9A-Za-z.*+-]*\s*)*$"
)
CHECK_NAME_PATTERN = re.compile(r"^[a-z_][a-z0-9_]*$")
CATALOGUE_PATTERN = re.compile(r"^src:[a-z0-9_-]+:[0-9a-f]{8}$")
Lang = Literal["en", "zh"]
Package = Literal["peft", "transformers", "trl", "accelerate"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


class Symptom(_Model):
    """One way the failure shows itself: a pattern over part of a paste.

    ``scope`` says what the pattern is run against: the exception ``message``
    (type-less, as after ``ValueError: ``), the whole ``traceback`` text, a
    ``warning`` line, or ``any`` line of the paste.
    """

    scope: Scope = "message"
    exception: List[str] = Field(default_factory=list)
    regex: str

    @field_validator("regex")
    @classmethod
    def _non_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value

    @field_validator("exception")
    @classmethod
    def _type_names(cls, value: List[str]) -> List[str]:
        for name in value:
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", name):
                raise ValueError(f"{name!r} is not an exception type name")
        return value


class Presentation(_Model):
    """How the failure shows without (or beside) an error message.

    ``observation`` is what the user sees ("generations are identical to the base
    model's"), ``context`` what they did just before ("after loading the adapter with
    PeftModel.from_pretrained"), ``lang`` the language both are written in (``en`` or
    ``zh``): a family member should present itself in both, since users describe
    symptoms in their own words.
    """

    observation: str
    context: str = ""
    lang: Lang = "en"

    @field_validator("observation")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value.strip()


class Message(_Model):
    """A version-relevant library message behind this entry's symptoms.

    ``text`` is a literal substring of the package's source (never paraphrased);
    ``scripts/build_version_table.py`` records in which releases it occurs.
    ``catalogue`` is an optional source-catalogue id such as ``src:peft:0a1b2c3d``.
    """

    package: Package
    text: str
    catalogue: Optional[str] = None

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value

    @field_validator("catalogue")
    @classmethod
    def _catalogue_id(cls, value: Optional[str]) -> Optional[str]:
        if value is not None and not CATALOGUE_PATTERN.match(value):
            raise ValueError(f"{value!r} is not a catalogue id such as 'src:peft:0a1b2c3d'")
        return value


class Fix(_Model):
    """What to do: an imperative one-line summary and a snippet that does it."""

    summary: str
    snippet: str = ""

    @field_validator("summary")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if "\n" in value.strip():
            raise ValueError("must be one line")
        return value.strip()


class KnownMiss(_Model):
    """A real case the matcher gets wrong today; the test fails once it passes."""

    text: str
    note: str


class Examples(_Model):
    """Texts that must rank this entry first (``match``) and near misses that must not."""

    match: List[str] = Field(default_factory=list)
    no_match: List[str] = Field(default_factory=list)
    known_miss: List[KnownMiss] = Field(default_factory=list)


class Reproduced(_Model):
    """How the failure was reproduced, so readers know how much to trust the examples."""

    how: ReproducedHow
    note: str = ""


class Entry(_Model):
    """One known failure. Field order mirrors the YAML files so diffs stay small.

    Optional fields for failures that present alike (all may be left out):

    - ``family``: kebab-case name of a symptom family; entries that look the same to
      a user (e.g. ``results-differ``) share it, and each says in ``distinguish`` (then
      required) the one observation that tells it apart from the others.
    - ``presentations``: how the failure shows without an error message.
    - ``finding``: a ``str.format`` template rendered per paste from the named groups
      of this entry's symptom regexes and the reserved version names
      (``matcher.finding.RESERVED``: ``{package}``, ``{needed}``, ``{seen}``).
    - ``messages``: the version-relevant library messages behind the symptoms, read by
      ``scripts/build_version_table.py``.
    """

    id: str
    title: str
    status: Status = "stable"
    since: str = "0.1.0"
    area: Area
    generic: bool = False
    family: Optional[str] = None
    symptoms: List[Symptom] = Field(default_factory=list)
    presentations: List[Presentation] = Field(default_factory=list)
    distinguish: Optional[str] = None
    root_cause: str
    finding: Optional[str] = None
    fix: Fix
    verify: Optional[str] = None
    affects: Dict[str, str] = Field(default_factory=dict)
    fixed_in: Dict[str, str] = Field(default_factory=dict)
    reviewed: Dict[str, str] = Field(default_factory=dict)
    messages: List[Message] = Field(default_factory=list)
    reproduced: Optional[Reproduced] = None
    aliases: List[str] = Field(default_factory=list)
    superseded_by: Optional[str] = None
    examples: Examples = Field(default_factory=Examples)
    references: List[str] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _kebab_case(cls, value: str) -> str:
        if not ID_PATTERN.match(value):
            raise ValueError(f"{value!r} is not kebab-case (a-z, 0-9, single dashes)")
        return value

    @field_validator("family")
    @classmethod
    def _family_kebab(cls, value: Optional[str]) -> Optional[str]:
        if value is not None and not ID_PATTERN.match(value):
            raise ValueError(f"{value!r} is not kebab-case (a-z, 0-9, single dashes)")
        return value

    @field_validator("distinguish", "finding")
    @classmethod
    def _strip_optional(cls, value: Optional[str]) -> Optional[str]:
        if value is not None and not value.strip():
            raise ValueError("must not be empty (leave the field out instead)")
        return None if value is None else value.strip()

    @field_validator("title", "root_cause")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value.strip()

    @field_validator("since")
    @classmethod
    def _since_version(cls, value: str) -> str:
        if not VERSION_PATTERN.match(value):
            raise ValueError(f"{value!r} is not a version")
        return value

    @field_validator("affects")
    @classmethod
    def _specifiers(cls, value: Dict[str, str]) -> Dict[str, str]:
        for package, spec in value.items():
            if not SPECIFIER_PATTERN.match(spec):
                raise ValueError(f"{package}: {spec!r} is not a version specifier such as '>=0.6,<0.8'")
        return value

    @field_validator("fixed_in", "reviewed")
    @classmethod
    def _versions(cls, value: Dict[str, str]) -> Dict[str, str]:
        for package, version in value.items():
            if not VERSION_PATTERN.match(version):
                raise ValueError(f"{package}: {version!r} is not a version")
        return value

    @field_validator("verify")
    @classmethod
    def _check_name(cls, value: Optional[str]) -> Optional[str]:
        if value is not None and not CHECK_NAME_PATTERN.match(value):
            raise ValueError(f"{value!r} is not a check name (snake_case)")
        return value

    @property
    def is_retired(self) -> bool:
        """Retired entries stay in the KB (ids are never reused) but never rank."""
        return self.status == "retired"

    def to_model(self) -> model.Entry:
        """The runtime entry (``kb.model``): the one type the matcher, renderers and cache use."""
        return model.entry_from_data(self.model_dump(mode="json"))
