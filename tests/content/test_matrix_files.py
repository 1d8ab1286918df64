"""The matrix is matrix.yaml plus content/matrix/*.yaml; every entry is dated and keyed uniquely."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from content.loader import SHIPPED, ContentError, load_matrix

ENTRY = """
  - service: {service}
    control: {control}
    party: aws
    reason: "A reason long enough to pass."
    reference: https://docs.aws.amazon.com/
{extra}"""


def _write(root: Path, extra_file: str) -> Path:
    (root / "matrix").mkdir()
    main = root / "matrix.yaml"
    main.write_text(
        "services:\n  - {id: ec2, name: Amazon EC2, model: iaas}\nentries:"
        + ENTRY.format(service="ec2", control="Guest OS", extra="    reviewed: 2026-11-30\n"),
        encoding="utf-8",
    )
    (root / "matrix" / "more.yaml").write_text(extra_file, encoding="utf-8")
    return main


def test_shipped_matrix_is_large_dated_and_covers_the_scenarios() -> None:
    matrix = load_matrix(SHIPPED / "matrix.yaml")
    assert len(matrix.entries) >= 450 and len(matrix.services) >= 60
    assert all(e.reviewed == date(2026, 11, 30) for e in matrix.entries)
    assert all(e.expires is None or e.expires > e.reviewed for e in matrix.entries)
    assert len({e.key for e in matrix.entries}) == len(matrix.entries)
    for needed in ("ecs", "bedrock", "sagemaker", "redshift", "opensearch", "elasticache", "kinesis",
                   "direct-connect", "organizations", "identity-center", "security-hub", "macie", "inspector",
                   "detective", "config", "systems-manager", "aws-backup", "waf", "shield"):  # fmt: skip
        assert any(e.service == needed for e in matrix.entries), needed


def test_entries_in_the_folder_join_the_matrix(tmp_path: Path) -> None:
    main = _write(
        tmp_path,
        "services:\n  - {id: s3, name: Amazon S3, model: serverless}\nentries:"
        + ENTRY.format(
            service="s3", control="Durability", extra="    reviewed: 2026-11-30\n    expires: 2027-06-01\n"
        ),
    )
    matrix = load_matrix(main)
    assert [e.key for e in matrix.entries] == ["ec2:guest-os", "s3:durability"]
    assert matrix.entries[1].expires == date(2027, 6, 1)


@pytest.mark.parametrize(
    ("extra", "field", "words"),
    [
        (
            "entries:" + ENTRY.format(service="ec2", control="Guest OS", extra="    reviewed: 2026-11-30\n"),
            "control",
            "repeats ec2:guest-os",
        ),
        (
            "entries:" + ENTRY.format(service="nope", control="X", extra="    reviewed: 2026-11-30\n"),
            "service",
            "unknown service",
        ),
        ("entries:" + ENTRY.format(service="ec2", control="Y", extra=""), "reviewed", "Field required"),
        ("services:\n  - {id: ec2, name: Again, model: iaas}\n", "id", "also defined"),
    ],
)
def test_a_bad_matrix_file_is_named_with_the_field(
    tmp_path: Path, extra: str, field: str, words: str
) -> None:
    main = _write(tmp_path, extra)
    with pytest.raises(ContentError) as caught:
        load_matrix(main)
    assert caught.value.field.endswith(field) and words in caught.value.message
    assert "more.yaml" in caught.value.path
