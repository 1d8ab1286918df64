"""`respbot teams manifest` writes a Teams app package that validates, offline, against the Teams manifest
JSON schema vendored in tests/data (MicrosoftTeams.schema.json v1.19 from OfficeDev/microsoft-teams-app-schema,
MIT licence)."""

from __future__ import annotations

import io
import json
import struct
import zipfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from bot.__main__ import main
from bot.adapters.teams import manifest
from tests.fakes.fake_teams import APP_ID

SCHEMA = Path(__file__).parents[2] / "data" / "teams-manifest-v1.19.schema.json"


def schema() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SCHEMA.read_text())
    return data


def png_size(data: bytes) -> tuple[int, int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height, _, colour = struct.unpack(">IIBB", data[16:26])
    return width, height, colour


def open_package(data: bytes) -> tuple[dict[str, Any], dict[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        files = {n: archive.read(n) for n in names}
    return json.loads(files.pop("manifest.json")), files


def test_the_package_validates_against_the_teams_schema() -> None:
    data, icons = open_package(manifest.package(APP_ID, "bot.example.com"))
    validator_cls = jsonschema.validators.validator_for(schema())
    validator_cls(schema()).validate(data)
    assert data["manifestVersion"] == schema()["properties"]["manifestVersion"]["const"]
    assert data["bots"][0]["botId"] == APP_ID and set(data["bots"][0]["scopes"]) == {"team", "personal"}
    assert {p["name"] for p in data["authorization"]["permissions"]["resourceSpecific"]} == set(manifest.RSC)
    assert set(icons) == {data["icons"]["color"], data["icons"]["outline"]}


def test_the_schema_catches_a_broken_manifest() -> None:
    """The vendored schema really checks: a manifest without its bot id, or with a bad id, fails."""
    data = manifest.manifest(APP_ID)
    data["bots"][0].pop("botId")
    data["id"] = "not-a-guid"
    validator = jsonschema.validators.validator_for(schema())(schema())
    assert len(list(validator.iter_errors(data))) >= 1


def test_the_icons_have_the_sizes_teams_requires() -> None:
    _, icons = open_package(manifest.package(APP_ID))
    assert png_size(icons["color.png"])[:2] == (192, 192)
    width, height, colour = png_size(icons["outline.png"])
    assert (width, height) == (32, 32) and colour == 6  # RGBA: a transparent outline


def test_an_app_id_that_is_not_a_guid_is_refused() -> None:
    with pytest.raises(manifest.ManifestError, match="GUID"):
        manifest.package("my-bot")


def test_the_cli_writes_the_zip_to_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TEAMS_APP_ID", APP_ID)
    assert main(["teams", "manifest"]) == 0
    written = tmp_path / "whos-responsible-teams.zip"
    data, _ = open_package(written.read_bytes())
    assert data["id"] == APP_ID and str(written) in capsys.readouterr().out


def test_the_cli_writes_to_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "pkg.zip"
    assert main(["teams", "manifest", "--app-id", APP_ID, "--out", str(target)]) == 0
    assert zipfile.is_zipfile(target)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["teams", "manifest"], "set TEAMS_APP_ID"),
        (["teams", "manifest", "--app-id", "nope"], "GUID"),
        (["teams", "manifest", "--app-id", APP_ID, "--out", "/no/such/dir/x.zip"], "does not exist"),
    ],
)
def test_the_cli_fails_with_one_clear_line(
    argv: list[str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TEAMS_APP_ID", raising=False)
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []
