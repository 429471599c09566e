"""Settings from the environment (and an optional ``.env`` file), checked at start-up.

Every setting is listed in README.md. A missing or invalid one stops start-up with one
line that names it and says why (:func:`load_settings`).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from core.secrets import SecretBox, SecretKeyError
from core.urls import InvalidInstanceURL, require_safe_url

__all__ = ["Settings", "SettingsError", "load_settings"]

#: A Microsoft Entra tenant: its id (a GUID) or one of its domains.
_TENANT = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]{0,252}")


class SettingsError(SystemExit):
    """A setting is missing or invalid; the message is one line naming it."""


class Settings(BaseSettings):
    """SnowOps configuration."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    store: str = Field("sqlite:///snowops.db", alias="SNOWOPS_STORE")
    secret_key: SecretStr | None = Field(None, alias="SNOWOPS_SECRET_KEY")
    public_url: str = Field("http://localhost:3978", alias="SNOWOPS_PUBLIC_URL")
    host: str = Field("127.0.0.1", alias="SNOWOPS_HOST")
    port: int = Field(3978, alias="SNOWOPS_PORT", ge=1, le=65535)
    poll_interval: float = Field(60.0, alias="SNOWOPS_POLL_INTERVAL", gt=0, le=86400)
    sync_enabled: bool = Field(True, alias="SNOWOPS_SYNC")
    # A replica that dies holding deliveries gives them up after this long.
    delivery_lease: float = Field(60.0, alias="SNOWOPS_DELIVERY_LEASE", ge=1, le=3600)
    admins: Annotated[tuple[str, ...], NoDecode] = Field((), alias="SNOWOPS_ADMINS")
    log_level: str = Field("INFO", alias="SNOWOPS_LOG_LEVEL")
    log_format: Literal["text", "json"] = Field("text", alias="SNOWOPS_LOG_FORMAT")
    http_timeout: float = Field(15.0, alias="SNOWOPS_HTTP_TIMEOUT", gt=0, le=300)
    http_retries: int = Field(4, alias="SNOWOPS_HTTP_RETRIES", ge=1, le=10)

    servicenow_client_id: str | None = Field(None, alias="SERVICENOW_CLIENT_ID")
    servicenow_client_secret: SecretStr | None = Field(None, alias="SERVICENOW_CLIENT_SECRET")
    servicenow_allowed_hosts: Annotated[tuple[str, ...], NoDecode] = Field(
        (), alias="SERVICENOW_ALLOWED_HOSTS"
    )

    slack_bot_token: SecretStr | None = Field(None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, alias="SLACK_SIGNING_SECRET")
    slack_client_id: str | None = Field(None, alias="SLACK_CLIENT_ID")
    slack_client_secret: SecretStr | None = Field(None, alias="SLACK_CLIENT_SECRET")
    slack_app_token: SecretStr | None = Field(None, alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field("https://slack.com/api/", alias="SLACK_API_URL")

    teams_app_id: str | None = Field(None, alias="TEAMS_APP_ID")
    teams_app_password: SecretStr | None = Field(None, alias="TEAMS_APP_PASSWORD")
    teams_tenant_ids: Annotated[tuple[str, ...], NoDecode] = Field((), alias="TEAMS_TENANT_ID")
    teams_app_tenant_id: str | None = Field(None, alias="TEAMS_APP_TENANT_ID")
    teams_anonymous: bool = Field(False, alias="SNOWOPS_TEAMS_ANONYMOUS")
    teams_login_url: str = Field("https://login.microsoftonline.com", alias="TEAMS_LOGIN_URL")
    teams_openid_url: str = Field(
        "https://login.botframework.com/v1/.well-known/openidconfiguration",
        alias="TEAMS_OPENID_URL",
    )
    teams_admin_role: str | None = Field(None, alias="TEAMS_ADMIN_ROLE")
    teams_graph_url: str = Field("https://graph.microsoft.com", alias="TEAMS_GRAPH_URL")

    graph_tenant_id: str | None = Field(None, alias="GRAPH_TENANT_ID")
    graph_client_id: str | None = Field(None, alias="GRAPH_CLIENT_ID")
    graph_client_secret: SecretStr | None = Field(None, alias="GRAPH_CLIENT_SECRET")
    graph_api_url: str = Field("https://graph.microsoft.com", alias="GRAPH_API_URL")
    graph_login_url: str = Field("https://login.microsoftonline.com", alias="GRAPH_LOGIN_URL")
    graph_cache_seconds: float = Field(300.0, alias="SNOWOPS_GRAPH_CACHE_SECONDS", ge=0, le=86400)
    # Secure Score refresh: resolved tickets are checked, rules run (Graph updates daily).
    score_interval: float = Field(3600.0, alias="SNOWOPS_SCORE_INTERVAL", gt=0, le=86400)
    verify_days: int = Field(3, alias="SNOWOPS_VERIFY_DAYS", ge=1, le=30)
    remind_before_hours: int = Field(24, alias="SNOWOPS_REMIND_BEFORE_HOURS", ge=1, le=720)

    @field_validator("admins", "servicenow_allowed_hosts", "teams_tenant_ids", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> tuple[str, ...]:
        if value is None or value == "":
            return ()
        if isinstance(value, str):
            return tuple(v.strip() for v in value.split(",") if v.strip())
        if isinstance(value, list | tuple):
            return tuple(str(v).strip() for v in value if str(v).strip())
        raise ValueError("give a comma-separated list")

    @field_validator(
        "public_url",
        "graph_api_url",
        "graph_login_url",
        "slack_api_url",
        "teams_login_url",
        "teams_openid_url",
        "teams_graph_url",
    )
    @classmethod
    def _check_url(cls, value: str, info: ValidationInfo) -> str:
        field = cls.model_fields[info.field_name or ""]
        try:
            return require_safe_url(value, field.alias or "URL")
        except InvalidInstanceURL as exc:
            raise ValueError(str(exc)) from None

    @field_validator("store")
    @classmethod
    def _check_store(cls, value: str) -> str:
        if not value.startswith(("sqlite:///", "redis://", "rediss://", "memory://")):
            raise ValueError(
                "use sqlite:///path.db, redis://host:6379/0 (loopback) or rediss://host:6380/0"
            )
        return value

    @field_validator("log_level")
    @classmethod
    def _check_level(cls, value: str) -> str:
        level = value.upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("use DEBUG, INFO, WARNING or ERROR")
        return level

    @field_validator("secret_key")
    @classmethod
    def _check_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value().strip():
            try:
                SecretBox(value.get_secret_value())
            except SecretKeyError:
                raise ValueError("not a Fernet key; make one with `snowops keygen`") from None
            return value
        return None

    @model_validator(mode="after")
    def _check_slack(self) -> Settings:
        if not self.slack_enabled:
            return self
        if self.slack_signing_secret is None and self.slack_app_token is None:
            raise ValueError(
                "SLACK_SIGNING_SECRET is required with SLACK_BOT_TOKEN or SLACK_CLIENT_ID "
                "(it verifies every request from Slack)"
            )
        if bool(self.slack_client_id) != bool(self.slack_client_secret):
            raise ValueError("set both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET, or neither")
        if self.slack_bot_token is None and not self.slack_client_id:
            raise ValueError("set SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID (install)")
        return self

    @model_validator(mode="after")
    def _check_teams(self) -> Settings:
        if not self.teams_app_id:
            if self.teams_app_password is not None:
                raise ValueError("TEAMS_APP_PASSWORD is set but TEAMS_APP_ID is not")
            return self
        if self.teams_app_password is None or not self.teams_app_password.get_secret_value():
            raise ValueError(
                "TEAMS_APP_PASSWORD is required with TEAMS_APP_ID (the bot's client secret)"
            )
        return self

    @field_validator("teams_tenant_ids", "teams_app_tenant_id")
    @classmethod
    def _check_tenants(cls, value: tuple[str, ...] | str | None) -> tuple[str, ...] | str | None:
        if isinstance(value, str):
            value = value.strip() or None
        for tenant in (value,) if isinstance(value, str) else value or ():
            if not _TENANT.fullmatch(tenant):
                raise ValueError(f"{tenant[:40]!r} is not a tenant id (a GUID or a domain)")
        return value

    @property
    def teams_enabled(self) -> bool:
        """True when Teams is configured (an app id), or anonymous local mode is on."""
        return bool(self.teams_app_id) or self.teams_anonymous

    @property
    def slack_enabled(self) -> bool:
        """True when any Slack credential is set."""
        return bool(self.slack_bot_token or self.slack_client_id or self.slack_app_token)

    def secret_box(self) -> SecretBox:
        """The SecretBox for ``SNOWOPS_SECRET_KEY``, or a one-line start-up error."""
        if self.secret_key is None:
            raise SettingsError(
                "SNOWOPS_SECRET_KEY is not set: it encrypts tokens at rest. "
                "Make one with `snowops keygen` (make dev does this for you)."
            )
        return SecretBox(self.secret_key.get_secret_value())


def load_settings(**overrides: object) -> Settings:
    """Read settings; on error raise :class:`SettingsError` with one line per problem."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            message = err["msg"].removeprefix("Value error, ")
            if not err["loc"]:
                problems.append(message)
                continue
            name = str(err["loc"][0])
            field = Settings.model_fields.get(name)
            env = field.alias if field and field.alias else name
            problems.append(f"{env}: {message}")
        raise SettingsError("invalid setting " + "; ".join(problems)) from None
