"""Settings from the environment and `.env`, validated once at start. Secrets are SecretStr: never logged."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
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

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        zone(value)
        return value

    @field_validator("content_dir", "slack_admin_users", "discord_shard_ids", mode="before")
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
    def any_platform(self) -> bool:
        return self.slack_enabled or self.discord_enabled
