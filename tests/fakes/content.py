"""A small, fixed content bundle for core tests, independent of the shipped bank."""

from __future__ import annotations

from datetime import date

from content.loader import ContentBundle
from content.schema import (
    CheckQuestion,
    Lesson,
    Matrix,
    MatrixEntry,
    Party,
    Scenario,
    ServiceInfo,
    ServiceModel,
)

TOPICS = ("patching", "network-security", "encryption", "physical-security")
REF = (
    "https://docs.aws.amazon.com/whitepapers/latest/aws-risk-and-compliance/shared-responsibility-model.html"
)


REVIEWED = date(2026, 11, 30)


def scenario(
    i: int,
    topic: str | None = None,
    answer: Party | None = None,
    difficulty: int | None = None,
    expires: date | None = None,
) -> Scenario:
    return Scenario(
        id=f"s-{i:03d}",
        service="Amazon EC2",
        model=ServiceModel.IAAS,
        topic=topic or TOPICS[i % len(TOPICS)],
        difficulty=difficulty or 1 + i % 3,
        prompt=f"Scenario number {i}: something happened in the cloud. Who was responsible?",
        answer=answer or (Party.AWS, Party.CUSTOMER, Party.SHARED)[i % 3],
        explanation=f"Because of reason {i}, which is explained here at sufficient length.",
        references=[REF],
        reviewed=REVIEWED,
        expires=expires,
    )


def lesson(order: int) -> Lesson:
    return Lesson(
        id=f"lesson-{order}",
        order=order,
        title=f"Lesson {order}",
        body=f"Body of lesson {order}, long enough to be a real lesson body for the test.",
        check=CheckQuestion(
            question=f"Check question {order}?",
            options=["Right", "Wrong"],
            correct=0,
            feedback_correct="Well done.",
            feedback_wrong="Have another look.",
        ),
        references=[REF],
    )


def small_bundle(count: int = 12, lessons: int = 3) -> ContentBundle:
    scenarios = {s.id: s for s in (scenario(i) for i in range(count))}
    matrix = Matrix(
        services=[
            ServiceInfo(id="ec2", name="Amazon EC2", model=ServiceModel.IAAS, aliases=["ec2", "amazon ec2"]),
            ServiceInfo(
                id="rds", name="Amazon RDS", model=ServiceModel.MANAGED, aliases=["rds", "amazon rds"]
            ),
        ],
        entries=[
            MatrixEntry(
                service="ec2",
                control="Guest operating system patching",
                party=Party.CUSTOMER,
                reason="You manage the guest OS on EC2.",
                reference=REF,
                keywords=["patch", "guest os", "operating system"],
                reviewed=date(2026, 11, 30),
            ),
            MatrixEntry(
                service="rds",
                control="Database engine patching",
                party=Party.AWS,
                reason="RDS patches the engine in maintenance windows.",
                reference=REF,
                keywords=["patch", "database engine", "engine"],
                reviewed=date(2026, 11, 30),
            ),
        ],
    )
    return ContentBundle(scenarios, matrix, tuple(lesson(i + 1) for i in range(lessons)))
