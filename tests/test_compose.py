"""Deployment files, checked without a container engine: docker-compose.yml against the Compose
Specification's JSON schema (vendored from compose-spec/compose-spec, schema/compose-spec.json), and the
Dockerfile for a non-root user, pinned dependencies and a health check."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = Path(__file__).resolve().parent / "data" / "compose-spec.json"


def compose_schema() -> dict[str, Any]:
    if not SCHEMA.is_file():
        pytest.fail(f"{SCHEMA} is missing (a `data/` line in .gitignore must not hide tests/data)")
    schema: dict[str, Any] = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return schema


def compose_file() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    return doc


def schema_errors(doc: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft7Validator(compose_schema())
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]


def test_compose_file_follows_the_compose_specification() -> None:
    assert schema_errors(compose_file()) == []


@pytest.mark.parametrize(
    ("path", "bad"),
    [
        (("services", "bot", "depends_on", "postgres", "condition"), "healthy"),  # not a condition
        (("services", "postgres", "healthcheck", "retries"), [12]),
        (("services", "bot", "stop_grace_period"), 30),
        (("services", "bot", "restart_policy"), "always"),  # a `deploy:` key, not a service key
    ],
)
def test_the_schema_check_catches_mistakes(path: tuple[str, ...], bad: object) -> None:
    doc = compose_file()
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = bad
    assert schema_errors(doc) != []


def test_compose_runs_the_bot_on_a_healthy_postgres() -> None:
    doc = compose_file()
    postgres, bot = doc["services"]["postgres"], doc["services"]["bot"]
    assert postgres["image"].startswith("postgres:16")
    (mount,) = postgres["volumes"]
    volume, _, target = mount.partition(":")
    assert volume in doc["volumes"] and target == "/var/lib/postgresql/data"  # a named volume
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert bot["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert bot["env_file"] in (".env", [".env"])
    url = bot["environment"]["DATABASE_URL"]
    assert url.startswith("postgresql://") and "@postgres:5432/" in url
    assert any("${HTTP_PORT:-3000}" in str(port) for port in bot["ports"])
    assert "ports" not in postgres  # the database is reachable from the bot only


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    joined = re.sub(
        r"\\\n", " ", "\n".join(ln for ln in text.splitlines() if not ln.lstrip().startswith("#"))
    )
    out = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def final_stage() -> list[tuple[str, str]]:
    steps = dockerfile_instructions()
    last_from = max(i for i, (word, _) in enumerate(steps) if word == "FROM")
    return steps[last_from:]


def test_dockerfile_uses_a_slim_python_and_runs_as_a_non_root_user() -> None:
    steps = dockerfile_instructions()
    assert all(args.startswith("python:3.11-slim") for word, args in steps if word == "FROM")
    final = final_stage()
    users = [args for word, args in final if word == "USER"]
    assert users, "the final stage must switch to a non-root USER"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    words = [word for word, _ in final]
    assert words.index("USER") < words.index("CMD")
    assert any(word == "RUN" and "useradd" in args and user in args for word, args in final)


def test_dockerfile_installs_pinned_dependencies_and_checks_health() -> None:
    steps = dockerfile_instructions()
    installs = [args for word, args in steps if word == "RUN" and "pip install" in args]
    assert installs and all("constraints.txt" in args for args in installs)
    assert any("'.[postgres]'" in args or '".[postgres]"' in args for args in installs)
    final = dict(final_stage())
    assert json.loads(final["CMD"]) == ["respbot", "run", "--require-platform"]
    health = final["HEALTHCHECK"]
    assert "urllib" in health and "http://127.0.0.1:${HTTP_PORT:-3000}/healthz" in health


def test_constraints_pin_every_dependency_exactly() -> None:
    pins: dict[str, str] = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, sep, version = line.partition("==")
            assert sep and version and re.fullmatch(r"[\w.]+", version), f"not an exact pin: {line!r}"
            pins[canonicalize_name(name)] = version
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["postgres"]]
    for req in wanted:
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is in pyproject.toml but not in constraints.txt: regenerate it"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"{req} does not allow the pin {pins[name]}"
        )


def test_dockerignore_keeps_secrets_and_local_data_out_of_the_image() -> None:
    ignored = {
        ln.strip() for ln in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines() if ln.strip()
    }
    assert {".env", ".git", ".venv", "data"} <= ignored
