"""Every shipped content file is valid, and the bank meets the distribution rules."""

from __future__ import annotations

import difflib
import re
from collections import Counter
from itertools import combinations

import pytest

from content.loader import SHIPPED, load_bundle, load_scenario_file
from content.schema import AWS_DOC_HOSTS, Party, ServiceModel

BUNDLE = load_bundle()
SCENARIOS = list(BUNDLE.scenarios.values())


@pytest.mark.parametrize("path", sorted((SHIPPED / "scenarios").glob("*.yaml")), ids=lambda p: p.name)
def test_every_scenario_pack_loads(path: object) -> None:
    pack = load_scenario_file(path)  # type: ignore[arg-type]
    assert pack.scenarios


def test_bank_size_and_spread() -> None:
    assert len(SCENARIOS) >= 150
    services = {s.service for s in SCENARIOS}
    assert len(services) >= 20
    for needed in ("EC2", "RDS", "S3", "Lambda", "WorkSpaces", "IAM"):
        assert any(needed in s for s in services), needed
    answers = Counter(s.answer for s in SCENARIOS)
    assert set(answers) == set(Party)
    for party in Party:
        assert answers[party] >= 0.2 * len(SCENARIOS), (party, answers)
    models = {s.model for s in SCENARIOS}
    assert {ServiceModel.IAAS, ServiceModel.MANAGED, ServiceModel.SERVERLESS, ServiceModel.SAAS} <= models
    assert {s.difficulty for s in SCENARIOS} == {1, 2, 3}


def test_every_reference_is_an_https_aws_documentation_url() -> None:
    urls = [u for s in SCENARIOS for u in s.references] + [e.reference for e in BUNDLE.matrix.entries]
    urls += [u for lesson in BUNDLE.lessons for u in lesson.references]
    for url in urls:
        host = re.match(r"^https://([^/]+)/", url)
        assert host, url
        assert any(host.group(1) == h or host.group(1).endswith("." + h) for h in AWS_DOC_HOSTS), url


def test_no_two_prompts_are_near_identical() -> None:
    norm = {s.id: " ".join(re.findall(r"[a-z0-9]+", s.prompt.lower())) for s in SCENARIOS}
    too_close = [
        (a, b)
        for a, b in combinations(sorted(norm), 2)
        if difflib.SequenceMatcher(None, norm[a], norm[b], autojunk=False).quick_ratio() > 0.9
        and difflib.SequenceMatcher(None, norm[a], norm[b], autojunk=False).ratio() > 0.85
    ]
    assert too_close == []


def test_the_seed_cases_and_flips_are_covered() -> None:
    text = {s.id: (s.prompt + " " + s.explanation).lower() for s in SCENARIOS}
    for needle in ("0.0.0.0/0", "fargate", "node group", "container image", "durab", "inherit", "training"):
        assert any(needle in t for t in text.values()), needle
    arguable = [s for s in SCENARIOS if "arguable" in s.tags or "arguabl" in s.explanation.lower()]
    assert arguable, "arguable answers must say so"


def test_matrix_covers_the_core_services_and_general() -> None:
    assert len(BUNDLE.matrix.entries) >= 120
    ids = {s.id for s in BUNDLE.matrix.services}
    assert {"ec2", "rds", "s3", "lambda", "workspaces", "iam", "general"} <= ids
    per_service = Counter(e.service for e in BUNDLE.matrix.entries)
    assert all(per_service[s] >= 2 for s in ids), per_service
    keys = [(e.service, e.control.lower()) for e in BUNDLE.matrix.entries]
    assert len(keys) == len(set(keys)), "a service lists the same control twice"


def test_course_lessons_are_ordered_and_each_has_a_check() -> None:
    assert 6 <= len(BUNDLE.lessons) <= 8
    assert [lesson.order for lesson in BUNDLE.lessons] == list(range(1, len(BUNDLE.lessons) + 1))
