"""The lookup phrasing table: everyday questions and what the matrix answers (see content/lookup.py).

`party` None means the lookup must NOT answer: it says it is not sure and lists the closest entries
(the question is ambiguous, e.g. AWS managed vs customer managed KMS keys) or the service is unknown.
"""

from __future__ import annotations

import pytest

from content.loader import SHIPPED, load_matrix
from content.lookup import Lookup

LOOKUP = Lookup(load_matrix(SHIPPED / "matrix.yaml"))

# (question, service id or None if no service is recognised, party or None for "not sure")
TABLE = [
    ("who patches the database on rds", "rds", "aws"),
    ("backups aurora", "aurora", "shared"),
    ("security groups ec2", "ec2", "customer"),
    ("kms key rotation", "kms", None),
    ("who patches the guest os on ec2", "ec2", "customer"),
    ("patch the guest operating system ec2", "ec2", "customer"),
    ("database engine patching rds", "rds", "aws"),
    ("who patches the os on rds", "rds", "aws"),
    ("rds os patching", "rds", "aws"),
    ("rds custom os patching", "rds-custom", "shared"),
    ("who patches the host os on fargate", "fargate", "aws"),
    ("fargate container image vulnerabilities", "fargate", "customer"),
    ("eks control plane", "eks", "aws"),
    ("eks managed node group updates", "eks", "shared"),
    ("eks self managed nodes patching", "eks", "customer"),
    ("eks on fargate node patching", "eks-fargate", "aws"),
    ("ecs on ec2 container instance patching", "ecs-ec2", "customer"),
    ("lambda function code", "lambda", "customer"),
    ("lambda runtime patching", "lambda", "aws"),
    ("lambda container image base image", "lambda", "customer"),
    ("lambda execution role permissions", "lambda", "customer"),
    ("s3 durability", "s3", "aws"),
    ("s3 bucket policy", "s3", "customer"),
    ("s3 public access", "s3", "customer"),
    ("s3 encryption at rest", "s3", "aws"),
    ("s3 versioning", "s3", "customer"),
    ("s3 backups", "s3", "customer"),
    ("dynamodb encryption at rest", "dynamodb", "aws"),
    ("dynamodb backups", "dynamodb", "customer"),
    ("dynamodb point in time recovery", "dynamodb", "customer"),
    ("workspaces user access", "workspaces", "customer"),
    ("workspaces os patching", "workspaces", "shared"),
    ("iam mfa", "iam", "customer"),
    ("iam root account", "iam", "customer"),
    ("iam access keys rotation", "iam", "customer"),
    ("iam least privilege", "iam", "customer"),
    ("physical security", "general", "aws"),
    ("hardware disposal", "general", "aws"),
    ("awareness training", "general", "shared"),
    ("patch management", "general", "shared"),
    ("configuration management", "general", "shared"),
    ("region choice", "general", "customer"),
    ("data residency", "general", "customer"),
    ("compliance inheritance", "general", "aws"),
    ("ebs encryption by default", "ebs", "customer"),
    ("ebs snapshots", "ebs", "customer"),
    ("ebs volume durability", "ebs", "aws"),
    ("vpc network acls", "vpc", "customer"),
    ("vpc flow logs", "vpc", "customer"),
    ("cloudtrail enable logging", "cloudtrail", "customer"),
    ("cloudtrail log integrity", "cloudtrail", None),
    ("guardduty findings response", "guardduty", "customer"),
    ("cloudfront tls certificates", "cloudfront", "customer"),
    ("route 53 dns availability", "route53", "aws"),
    ("cognito user pool password policy", "cognito", "customer"),
    ("elastic beanstalk platform updates", "elastic-beanstalk", "shared"),
    ("elastic beanstalk application code", "elastic-beanstalk", "customer"),
    ("kms key policy", "kms", "customer"),
    ("customer managed key rotation kms", "kms", "customer"),
    ("aws managed key rotation", "kms", "aws"),
    ("secrets manager rotation", "secrets-manager", "customer"),
    ("efs encryption", "efs", "customer"),
    ("sqs encryption", "sqs", "aws"),
    ("sns topic policy", "sns", "customer"),
    ("api gateway authorization", "api-gateway", "customer"),
    ("outposts physical security", "outposts", "customer"),
    ("who is responsible for the data center guards", "general", "aws"),
    ("network hardware", "general", "aws"),
    ("hypervisor patching ec2", "ec2", "aws"),
    ("ec2 instance firewall", "ec2", "customer"),
    ("aurora storage replication", "aurora", "aws"),
    ("rds multi az failover", "rds", "aws"),
    ("rds encryption at rest", "rds", "customer"),
    ("rds user access", "rds", None),
    ("who handles ddos protection for cloudfront", "cloudfront", "shared"),
    ("general availability zones", "general", None),
    ("who encrypts data in transit between my servers and users", "general", "shared"),
    ("what about saturn", None, None),
    ("ec2 banana smoothie", "ec2", None),
]


def test_the_table_is_big_enough() -> None:
    assert len(TABLE) >= 60
    assert sum(1 for _, _, party in TABLE if party) >= 60


@pytest.mark.parametrize(("question", "service", "party"), TABLE)
def test_phrasing(question: str, service: str | None, party: str | None) -> None:
    result = LOOKUP.lookup(question)
    assert (result.service.id if result.service else None) == service
    if party is None:
        assert result.answer is None
        if service is not None:
            assert result.closest, "a miss must list the closest entries"
    else:
        assert result.answer is not None and result.answer.party.value == party
        assert result.answer.service in (service, "general")


def test_required_service_aliases() -> None:
    for text, service in [
        ("ECS on EC2", "ecs-ec2"), ("Fargate", "fargate"), ("EKS on Fargate", "eks-fargate"),
        ("RDS Custom", "rds-custom"), ("Elastic Beanstalk", "elastic-beanstalk"), ("Amazon S3", "s3"),
        ("Amazon RDS", "rds"), ("relational database service", "rds"), ("any", "general"), ("all", "general"),
        ("aws", "general"), ("general", "general"),
    ]:  # fmt: skip
        found, _ = LOOKUP.find_service(text)
        assert found is not None and found.id == service, text
