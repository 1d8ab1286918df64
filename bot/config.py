"""Settings from the environment and `.env`, validated once at start. Secrets are SecretStr: never logged."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.core.schedule_math import zone


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # Core ------------------------------------------------------------------------------------------------
    database_url: str = "sqlite:///data/respbot.db"
    default_timezone: str = "UTC"
    content_dir: Annotated[list[Path], NoDecode] = Field(
        default_factory=list
    )  # extra scenario packs (comma-separated paths)
    seed: int = 0
    flag_threshold: int = Field(default=3, ge=1, le=100)
    onboarding: Literal["workspace", "channel", "both", "off"] = "workspace"
    announce_course_completion: bool = False
    tick_seconds: float = Field(default=15.0, gt=0, le=300)
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"
    http_port: int = Field(default=3000, ge=0, le=65535)
    http_host: str = "0.0.0.0"
    dashboard_url: str = ""  # public base URL for dashboard login links; default http://127.0.0.1:HTTP_PORT
    clock_file: str | None = None  # testing only: read "now" from this file (tests/faults)

    # Slack -----------------------------------------------------------------------------------------------
    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None  # Socket Mode (xapp-…)
    slack_signing_secret: SecretStr | None = None  # HTTP mode
    slack_client_id: str | None = None  # OAuth (many workspaces)
    slack_client_secret: SecretStr | None = None
    slack_state_secret: SecretStr | None = None
    slack_mode: Literal["socket", "http", "auto"] = "auto"
    slack_api_base_url: str = "https://slack.com/api/"
    slack_admin_users: Annotated[list[str], NoDecode] = Field(default_factory=list)
    slack_broadcast_reveal: bool = False

    # Discord ---------------------------------------------------------------------------------------------
    discord_token: SecretStr | None = None
    discord_api_base_url: str = "https://discord.com/api/v10"
    discord_gateway_url: str | None = None  # default: what /gateway/bot answers
    discord_admin_role: str | None = None
    discord_members_intent: bool = True
    discord_sync_commands: bool = False  # global command sync at start (Discord limits command creation)
    discord_shard_count: int | None = None
    discord_shard_ids: Annotated[list[int] | None, NoDecode] = None
    discord_application_id: str | None = None

    # Microsoft Teams (bot/adapters/teams, docs/teams.md) ------------------------------------------------
    teams_app_id: str | None = None  # the Azure Bot's Microsoft App ID (a GUID)
    teams_app_password: SecretStr | None = None  # its client secret …
    teams_certificate_path: str | None = None  # … or a PFX certificate instead of a secret
    teams_tenant_id: str | None = None  # the app registration's tenant (single-tenant bots)
    teams_admin_users: Annotated[list[str], NoDecode] = Field(default_factory=list)  # AAD object ids
    teams_course_teams: Annotated[list[str], NoDecode] = Field(
        default_factory=list
    )  # Teams team ids whose new members get the course (empty: every team the bot is in)
    teams_graph_url: str = "https://graph.microsoft.com"  # owners (roster) and finding our own posts
    # Testing only (tests/fakes/fake_teams.py): where inbound tokens' signing keys and outbound tokens come
    # from. Unset in production: the SDK's own Bot Framework / Entra ID endpoints are used.
    teams_openid_metadata_url: str | None = None
    teams_token_url: str | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        """A NUL byte is stored by SQLite and refused by PostgreSQL, and cuts C strings short: never valid."""
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(v, str) and "\x00" in v for v in texts):
            raise ValueError("contains a NUL character")
        return value

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        zone(value)
        return value

    @field_validator(
        "content_dir",
        "slack_admin_users",
        "discord_shard_ids",
        "teams_admin_users",
        "teams_course_teams",
        mode="before",
    )
    @classmethod
    def _comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    @property
    def slack_enabled(self) -> bool:
        return self.slack_bot_token is not None or self.slack_client_id is not None

    @property
    def discord_enabled(self) -> bool:
        return self.discord_token is not None

    @property
    def teams_enabled(self) -> bool:
        return self.teams_app_id is not None

    @property
    def any_platform(self) -> bool:
        return self.slack_enabled or self.discord_enabled or self.teams_enabled


class SettingsError(ValueError):
    """A setting is invalid or missing; the message is one line that names it and never holds its value."""


def load_settings(**overrides: object) -> Settings:
    """The one way every command builds its settings: the environment and `.env`, then the command's own
    flags (`--db`, `--url`) on top; None means "not given". Invalid values raise SettingsError."""
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**given)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]).upper()
        raise SettingsError(f"setting {field}: {first['msg']} (check your environment or .env)") from None


def platform_problem(settings: Settings) -> str | None:
    """A platform configured only half-way, said before anything starts (None when it is complete)."""
    if not settings.slack_enabled:
        return None
    mode = settings.slack_mode
    if mode == "socket" and settings.slack_app_token is None:
        return "SLACK_MODE=socket needs SLACK_APP_TOKEN (an app-level xapp- token with connections:write)"
    if mode == "http" and settings.slack_signing_secret is None:
        return "SLACK_MODE=http needs SLACK_SIGNING_SECRET (Basic Information → App Credentials)"
    if mode == "auto" and settings.slack_app_token is None and settings.slack_signing_secret is None:
        return (
            "Slack needs a way to receive events: set SLACK_APP_TOKEN (an xapp- token with connections:write, "
            "for Socket Mode — the README's 'Add to Slack' path) or SLACK_SIGNING_SECRET (for HTTP mode, "
            "docs/slack.md)"
        )
    return None
