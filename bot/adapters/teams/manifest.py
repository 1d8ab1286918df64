"""The Teams app package: manifest.json plus its two icons, zipped, ready to upload in Teams (Apps → Manage
your apps → Upload an app) or the Teams admin center. `respbot teams manifest [--out PATH]` writes it.

The manifest declares one bot (team, personal scopes), the resource-specific permissions the adapter uses
through Microsoft Graph (the team's owners for admin rights; channel messages to find its own post again
after a crash), and the bot's domain.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from importlib import resources
from pathlib import Path
from typing import Any

MANIFEST_VERSION = "1.19"
SCHEMA_URL = (
    f"https://developer.microsoft.com/en-us/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
)
APP_VERSION = "1.0.0"
ICONS = ("color.png", "outline.png")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
#: Graph permissions a team owner grants when adding the app (resource-specific consent).
RSC = ("TeamMember.Read.Group", "ChannelMessage.Read.Group")
COMMANDS = (
    ("help", "What I can do"),
    ("leaderboard", "This week's leaderboard (or month, all)"),
    ("stats", "Your points, accuracy and streak"),
    ("quiz", "A practice scenario, just for you"),
    ("learn", "Start or resume the onboarding course"),
    ("lookup", "Who patches the OS on RDS? lookup rds os"),
)


class ManifestError(ValueError):
    """The settings can't make a valid package; the message says which one to fix."""


def manifest(app_id: str, domain: str = "", name: str = "Who's Responsible?") -> dict[str, Any]:
    if not _GUID.match(app_id or ""):
        raise ManifestError("TEAMS_APP_ID must be the bot's Microsoft App ID (a GUID) to build the manifest")
    website = f"https://{domain}" if domain else "https://github.com/whos-responsible/whos-responsible"
    data: dict[str, Any] = {
        "$schema": SCHEMA_URL,
        "manifestVersion": MANIFEST_VERSION,
        "version": APP_VERSION,
        "id": app_id,
        "developer": {
            "name": "Who's Responsible?",
            "websiteUrl": website,
            "privacyUrl": f"{website}/privacy",
            "termsOfUseUrl": f"{website}/terms",
        },
        "name": {
            "short": name[:30],
            "full": "Who's Responsible? — the AWS Shared Responsibility Model, daily",
        },
        "description": {
            "short": "A daily team challenge on the AWS Shared Responsibility Model.",
            "full": (
                "Every working day the bot posts a scenario in your team's channel — 'an EC2 instance was "
                "hacked through SSH open to the world: who was responsible?' — with three buttons: AWS, "
                "Customer, Shared. After the answer window it reveals the answer with an explanation and an "
                "AWS documentation link, and keeps weekly, monthly and all-time leaderboards. New team members "
                "get a short onboarding course in their personal chat."
            ),
        },
        "icons": {"color": ICONS[0], "outline": ICONS[1]},
        "accentColor": "#FF9900",
        "bots": [
            {
                "botId": app_id,
                "scopes": ["team", "personal"],
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [
                    {
                        "scopes": ["team", "personal"],
                        "commands": [{"title": c, "description": d} for c, d in COMMANDS],
                    }
                ],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [domain] if domain else [],
        "webApplicationInfo": {"id": app_id, "resource": f"api://botid-{app_id}"},
        "authorization": {
            "permissions": {"resourceSpecific": [{"name": n, "type": "Application"} for n in RSC]}
        },
    }
    return data


def icon(name: str) -> bytes:
    return resources.files("bot.adapters.teams").joinpath("icons", name).read_bytes()


def package(app_id: str, domain: str = "") -> bytes:
    """The zip Teams accepts: manifest.json and the icons at its root."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest(app_id, domain), indent=2, ensure_ascii=False))
        for name in ICONS:
            archive.writestr(name, icon(name))
    return buffer.getvalue()


def write(app_id: str, out: Path | None, domain: str = "") -> Path:
    """Write the package to `out` (a file, or a folder to put whos-responsible-teams.zip in)."""
    data = package(app_id, domain)
    target = out or Path.cwd()
    if target.is_dir():
        target = target / "whos-responsible-teams.zip"
    target.write_bytes(data)
    return target
