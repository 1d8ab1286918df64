"""The lookup measured on tests/content/lookup_questions.tsv, and the everyday questions of issue 13 by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from content.loader import load_bundle
from content.lookup import GENERAL, index_for
from content.lookup_eval import (
    NOT_SURE,
    RIGHT,
    UNSURE,
    WRONG,
    Question,
    evaluate,
    grade,
    read_questions,
    tallies,
)

QUESTIONS = Path(__file__).resolve().parent / "lookup_questions.tsv"
BUNDLE = load_bundle()
INDEX = index_for(BUNDLE)
ROWS = read_questions(QUESTIONS)

# Issue 13's everyday questions: (question, party, the entries that may answer, space-separated).
EVERYDAY = [
    ("who encrypts data in s3", "aws", "s3:baseline-encryption-at-rest-sse-s3-by-default"),
    ("lambda runtime updates", "aws", "lambda:runtime-patching-managed-runtimes"),
    ("who backs up dynamodb", "customer", "dynamodb:point-in-time-recovery dynamodb:on-demand-backups"),
    ("s3 encryption", "aws", "s3:baseline-encryption-at-rest-sse-s3-by-default"),
    ("dynamodb backups", "customer", "dynamodb:point-in-time-recovery dynamodb:on-demand-backups"),
    (
        "who is responsible for mfa on the root account",
        "customer",
        "iam:root-user-protection iam:multi-factor-authentication",
    ),
    ("ECS control plane", "aws", "ecs:ecs-control-plane-scheduler-api-service-orchestr"),
    (
        "DynamoDB guest OS and database patching",
        "aws",
        "dynamodb:infrastructure-patching-and-replication-across-a",
    ),
    (
        "who installs security updates on the servers behind DynamoDB",
        "aws",
        "dynamodb:infrastructure-patching-and-replication-across-a",
    ),
    ("RDS backup retention period", "customer", "rds:backup-retention-period-setting"),
    ("my app survives an AZ failure", "customer", "general:workload-resilience-design-multi-az-backups-disa"),
]


@pytest.mark.parametrize(("question", "party", "key"), EVERYDAY, ids=[q for q, _, _ in EVERYDAY])
def test_everyday_question(question: str, party: str, key: str) -> None:
    result = INDEX.lookup(question)
    assert result.answer is not None, [e.key for e in result.closest]
    assert result.answer.party.value == party and result.answer.key in key.split(), result.answer.key


def test_the_file_is_big_varied_and_has_a_held_back_quarter() -> None:
    assert len(ROWS) >= 250
    holdout = [q for q in ROWS if q.split == "holdout"]
    assert 0.2 <= len(holdout) / len(ROWS) <= 0.3
    assert len({q.text.lower() for q in ROWS}) == len(ROWS)
    keys = {e.key for e in BUNDLE.matrix.entries}
    for q in ROWS:
        assert set(q.entries) <= keys, (q.line, q.entries)
        assert q.party == UNSURE or q.entries, q.line


def test_full_file_figures_meet_the_targets() -> None:
    whole = tallies(evaluate(INDEX, ROWS))["all"]
    assert whole.share(RIGHT) >= 0.92, whole.line("all")
    assert whole.share(WRONG) <= 0.02, whole.line("all")


def _q(text: str, party: str, *entries: str) -> Question:
    return Question(text, party, entries, "tune", 1)


def test_grading_counts_each_outcome() -> None:
    assert grade(INDEX, _q("who patches the guest os on ec2", "customer")).outcome == RIGHT
    assert grade(INDEX, _q("who patches the guest os on ec2", "aws")).outcome == WRONG
    assert grade(INDEX, _q("kms key rotation", "aws")).outcome == NOT_SURE
    assert grade(INDEX, _q("kms key rotation", UNSURE, "kms:key-rotation-aws-managed-keys")).outcome == RIGHT
    assert grade(INDEX, _q("kms key rotation", UNSURE, "s3:data-durability")).outcome == NOT_SURE
    assert grade(INDEX, _q("who patches the guest os on ec2", UNSURE)).outcome == WRONG


def test_the_named_service_beats_the_general_entry() -> None:
    general = INDEX.lookup("who does patch management")
    assert general.answer is not None and general.answer.service == GENERAL and general.general_model
    specific = INDEX.lookup("patch management on dynamodb")
    assert specific.answer is not None and specific.answer.service == "dynamodb"
    assert not specific.general_model


@pytest.mark.parametrize(
    ("question", "service"),
    [
        ("lamda runtime patching", "lambda"),
        ("who encrpyts my dynamdb tables", "dynamodb"),
        ("cloudtrial log file validation", "cloudtrail"),
        ("who patches the nodes of an eks cluster on fargate", "eks-fargate"),
        ("ecs tasks on ec2 container instance patching", "ecs-ec2"),
        ("does aws patch the os behind ecs on fargate", "fargate"),
    ],
)
def test_typos_and_services_named_anywhere(question: str, service: str) -> None:
    result = INDEX.lookup(question)
    assert result.service is not None and result.service.id == service


def test_index_is_built_once_per_bundle() -> None:
    assert index_for(BUNDLE) is INDEX
    assert index_for(load_bundle()) is not INDEX  # another bundle (reloaded content) gets its own


def test_a_scenario_that_explains_the_question_is_offered() -> None:
    result = INDEX.lookup("who backs up dynamodb")
    assert any(s.kind == "scenario" and s.id in BUNDLE.scenarios for s in result.see_also)


def test_a_miss_lists_candidates_and_never_guesses() -> None:
    result = INDEX.lookup("kms key rotation")
    assert result.answer is None and result.confidence < 0.9
    assert {"kms:key-rotation-aws-managed-keys", "kms:key-rotation-customer-managed-keys"} <= {
        e.key for e in result.closest
    }
    assert INDEX.lookup("what about saturn rings").closest == ()
