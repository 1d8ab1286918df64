"""Pydantic models for content files: a bad file must stop start-up with file, item id and field named."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

#: Hosts whose pages count as AWS documentation for a scenario or matrix reference.
AWS_DOC_HOSTS = ("docs.aws.amazon.com", "aws.amazon.com", "d1.awsstatic.com", "repost.aws")

#: Slack section text is capped at 3,000 characters, Discord embed descriptions at 4,096;
#: the tighter limits here leave room for headers and formatting on both.
PROMPT_MAX = 600
EXPLANATION_MAX = 1500

Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class Party(StrEnum):
    """Who holds a responsibility. Also the three answers to a scenario."""

    AWS = "aws"
    CUSTOMER = "customer"
    SHARED = "shared"


class ServiceModel(StrEnum):
    IAAS = "iaas"
    MANAGED = "managed"
    SERVERLESS = "serverless"
    SAAS = "saas"
    ALL = "all"


def _check_reference(url: str) -> str:
    if not url.startswith("https://"):
        raise ValueError(f"reference must be an https URL, got {url!r}")
    host = url.removeprefix("https://").split("/", 1)[0].lower()
    if not any(host == h or host.endswith("." + h) for h in AWS_DOC_HOSTS):
        raise ValueError(f"reference host {host!r} is not an AWS documentation host")
    return url


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Scenario(_Strict):
    """One 'who's responsible?' question."""

    id: Id
    service: ShortText
    model: ServiceModel
    topic: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,40}$")]
    difficulty: int = Field(ge=1, le=3)
    prompt: Annotated[str, StringConstraints(strip_whitespace=True, min_length=20, max_length=PROMPT_MAX)]
    answer: Party
    explanation: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=40, max_length=EXPLANATION_MAX)
    ]
    references: list[str] = Field(min_length=1, max_length=4)
    tags: list[str] = Field(default_factory=list, max_length=10)
    #: When a person last checked the key and explanation against the AWS pages cited.
    reviewed: date
    #: The day a time-sensitive claim stops holding (e.g. a product's end of support); from then on the
    #: item is withheld from rounds and practice but still known to stats and lookups.
    expires: date | None = None

    @field_validator("references")
    @classmethod
    def _aws_docs_only(cls, refs: list[str]) -> list[str]:
        return [_check_reference(r) for r in refs]

    @model_validator(mode="after")
    def _expires_after_review(self) -> Scenario:
        if self.expires is not None and self.expires <= self.reviewed:
            raise ValueError(f"expires ({self.expires}) must be after reviewed ({self.reviewed})")
        return self


class ScenarioPack(_Strict):
    """A YAML file of scenarios. `pack` names it for humans; ids are global across packs."""

    pack: ShortText
    scenarios: list[Scenario] = Field(min_length=1)


class ServiceInfo(_Strict):
    """A service the matrix knows, with the names people use for it."""

    id: Id
    name: ShortText
    model: ServiceModel
    aliases: list[str] = Field(default_factory=list)


class MatrixEntry(_Strict):
    """service × control → party, with a one-line reason and a reference."""

    service: Id
    control: ShortText
    party: Party
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=300)]
    reference: str
    keywords: list[str] = Field(default_factory=list)  # the phrasings people use for this control
    reviewed: date  # when someone last checked the entry against AWS's documentation
    expires: date | None = None  # re-check by then (a feature in preview, a changing default)

    @field_validator("reference")
    @classmethod
    def _aws_docs_only(cls, ref: str) -> str:
        return _check_reference(ref)

    @property
    def key(self) -> str:
        """Stable short id, `service:control-slug` (button values, the eval file, --json)."""
        slug = re.sub(r"[^a-z0-9]+", "-", self.control.lower()).strip("-")
        return f"{self.service}:{slug[:48].rstrip('-')}"


class Matrix(_Strict):
    services: list[ServiceInfo] = Field(min_length=1)
    entries: list[MatrixEntry] = Field(min_length=1)


class MatrixPart(_Strict):
    """One matrix file: `matrix.yaml` or a file in `matrix/`; the loader joins them into one Matrix."""

    services: list[ServiceInfo] = Field(default_factory=list)
    entries: list[MatrixEntry] = Field(default_factory=list)


class CheckQuestion(_Strict):
    """A lesson's check question, answered by button."""

    question: Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=300)]
    options: list[ShortText] = Field(min_length=2, max_length=4)
    correct: int = Field(ge=0, le=3)
    feedback_correct: ShortText
    feedback_wrong: ShortText

    @model_validator(mode="after")
    def _correct_is_an_option(self) -> CheckQuestion:
        if self.correct >= len(self.options):
            raise ValueError(f"correct={self.correct} but there are only {len(self.options)} options")
        return self


class Lesson(_Strict):
    """One course lesson (one YAML file in content/course/), ending with a check question."""

    id: Id
    order: int = Field(ge=1, le=20)
    title: ShortText
    body: Annotated[str, StringConstraints(strip_whitespace=True, min_length=40, max_length=2500)]
    check: CheckQuestion
    references: list[str] = Field(default_factory=list, max_length=3)

    @field_validator("references")
    @classmethod
    def _aws_docs_only(cls, refs: list[str]) -> list[str]:
        return [_check_reference(r) for r in refs]
