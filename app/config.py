"""Every setting Tandem reads, from TANDEM_* environment variables (or a .env file).

The defaults are the embedded mode: a SQLite file in the working directory and the scheduler
running inside the API process, so that `tandem serve` works on a fresh machine.
"""

from typing import Annotated, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TANDEM_", env_file=".env", extra="ignore")

    database_url: str = Field(
        "sqlite+aiosqlite:///tandem.db",
        description="SQLAlchemy URL: sqlite+aiosqlite:///FILE (embedded) or "
        "postgresql+asyncpg://USER:PASSWORD@HOST/DB (production).",
    )
    database_pool_size: int = Field(10, ge=1, description="PostgreSQL connections per process.")
    redis_url: str | None = Field(
        None, description="redis://HOST:PORT/DB; without it the scheduler runs in-process."
    )
    in_process_scheduler: bool = Field(
        True,
        description="Without Redis, run the scheduled jobs inside the API process (turn off "
        "when another process runs them).",
    )
    jwt_secret: SecretStr | None = Field(
        None, description="Key that signs bearer tokens; bearer tokens are refused without it."
    )
    jwt_algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"
    jwt_issuer: str | None = Field(None, description="Required `iss` claim, when set.")
    jwt_audience: str | None = Field(None, description="Required `aud` claim, when set.")
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated browser origins allowed to call the API.",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"
    log_format: Literal["json", "console"] = "json"
    max_request_bytes: int = Field(
        32 * 1024 * 1024,
        ge=1024,
        description="Largest request body accepted, in bytes; a larger one gets 413.",
    )
    rate_limit_per_minute: int = Field(
        1200,
        ge=0,
        description="Requests each credential may make per minute (0: no limit); counted "
        "in Redis when TANDEM_REDIS_URL is set, else by the one process.",
    )
    graphql_max_depth: int = Field(12, ge=1)
    graphql_max_tokens: int = Field(2000, ge=1)
    graphql_max_aliases: int = Field(15, ge=1)
    api_key_retention_days: int = Field(
        90, ge=1, description="Days a revoked or expired API key is kept before it is purged."
    )
    shutdown_grace_seconds: int = Field(20, ge=0)
    smtp_host: str | None = Field(
        None, description="SMTP server for notification emails; without it they are logged."
    )
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_sender: str = Field("tandem@localhost", description="The From address of emails.")
    smtp_starttls: bool = True

    @model_validator(mode="before")
    @classmethod
    def _split_origins(cls, values: dict) -> dict:
        origins = values.get("cors_origins")
        if isinstance(origins, str):
            values["cors_origins"] = [o.strip() for o in origins.split(",") if o.strip()]
        return values

    @model_validator(mode="after")
    def _strong_jwt_secret(self) -> "Settings":
        if self.jwt_secret is not None and len(self.jwt_secret.get_secret_value()) < 32:
            raise ValueError("TANDEM_JWT_SECRET must be at least 32 characters.")
        return self

    @property
    def embedded(self) -> bool:
        """True when the database is a local SQLite file (the zero-setup mode)."""
        return self.database_url.startswith("sqlite")

    def check_serving(self) -> None:
        """Raise ValueError if the API must not be served with these settings: outside the
        embedded mode a deployment names its JWT secret, rather than finding out from its
        users that bearer tokens are refused."""
        if not self.embedded and self.jwt_secret is None:
            raise ValueError(
                "TANDEM_JWT_SECRET is required with a server database: set at least 32 "
                "random characters (python3 -c 'import secrets; "
                "print(secrets.token_urlsafe(48))')."
            )
