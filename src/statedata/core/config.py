"""Settings from the environment (``STATEDATA_*``), validated once at start-up.

Every setting is a field of :class:`Settings` with a description; ``docs/settings.md`` is
generated from these fields, so a new setting is documented by writing it here.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from statedata.core.errors import ConfigError, InvalidInput

ENV_PREFIX = "STATEDATA_"
SECRET_KEY_FILE = "secret_key"  # noqa: S105 (a file name, not a secret)
DATABASE_SCHEMES = ("sqlite", "postgresql", "postgresql+psycopg")
LAKE_SCHEMES = ("file", "s3")


class Settings(BaseSettings):
    """The effective configuration of one statedata instance."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    home: Path = Field(
        default=Path("./var"),
        description="Folder holding the instance: metadata database, lake, jobs queue, secret key.",
    )
    database_url: str = Field(
        default="",
        description=(
            "SQLAlchemy URL of the metadata database. Empty means a SQLite file under home; "
            "production uses postgresql+psycopg://user:password@host/db."
        ),
    )
    lake_uri: str = Field(
        default="",
        description="Where dataset versions are stored: a folder (empty means home/lake) or s3://bucket/prefix.",
    )
    s3_endpoint_url: str = Field(
        default="",
        description="Endpoint of S3-compatible storage for an s3:// lake (empty means AWS).",
    )
    s3_region: str = Field(default="us-east-1", description="Region of the s3:// lake's bucket.")
    s3_access_key_id: str = Field(
        default="",
        description="Access key id for an s3:// lake (empty means the usual AWS_* environment).",
    )
    s3_secret_access_key: SecretStr | None = Field(
        default=None, description="Secret access key for an s3:// lake."
    )
    s3_allow_http: bool = Field(
        default=False, description="Allow plain HTTP to the S3 endpoint (a local test server)."
    )
    upload_max_bytes: int = Field(
        default=10 * 1024**3,
        ge=1,
        description="Largest file a person may upload (bytes); larger uploads are refused with 413.",
    )
    source_folders: str = Field(
        default="",
        description=(
            "Folders that pulled file sources (and SQLite source databases) may read, separated by "
            "':'. Empty means home/sources. Nothing outside them can be pulled."
        ),
    )
    source_allow_private_networks: bool = Field(
        default=False,
        description=(
            "Allow URL sources on loopback, private and link-local addresses (off, so that a "
            "source cannot reach the portal's own network)."
        ),
    )
    source_timeout_seconds: int = Field(
        default=300,
        ge=1,
        description="How long a pull may wait for a URL's server or a source database to answer.",
    )
    query_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description=(
            "Longest a data API query (a page, a count, facets, a SQL workspace statement) may run "
            "before it is stopped with a 400. Streamed downloads are not cut off."
        ),
    )
    query_max_rows: int = Field(
        default=50_000,
        ge=1,
        description="Most rows one API page or SQL workspace result may hold ($limit's ceiling).",
    )
    query_threads: int = Field(
        default=2,
        ge=1,
        le=256,
        description="Threads DuckDB uses for data API queries, per process.",
    )
    query_memory_limit: str = Field(
        default="512MB",
        pattern=r"^\d+(\.\d+)?\s*(KB|MB|GB|KiB|MiB|GiB)$",
        description="Memory DuckDB may use for data API queries, per process (it spills beyond).",
    )
    query_concurrency: int = Field(
        default=8,
        ge=1,
        le=256,
        description="Data API queries one process runs at once; more wait for a free slot.",
    )
    rate_limit_anonymous: int = Field(
        default=600,
        ge=1,
        description="API requests per minute from one address without a token (429 beyond).",
    )
    rate_limit_token: int = Field(
        default=6000,
        ge=1,
        description="API requests per minute for one API or app token (X-App-Token or Bearer).",
    )
    map_tile_url: str = Field(
        default="",
        pattern=r"^(|https?://[^\s'\"]+\{z\}[^\s'\"]*)$",
        description=(
            "Tile server for dataset maps, as a Leaflet URL template with {z}/{x}/{y} (for example "
            "the state's own tile server). Empty draws the points on a plain background, so no "
            "page loads anything from outside the portal; a URL's origin is added to img-src."
        ),
    )
    map_tile_attribution: str = Field(
        default="", description="Attribution shown under maps drawn on map_tile_url's tiles."
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description=(
            "Key that signs session cookies and CSRF tokens. Empty means the key generated into "
            "home/secret_key on first start."
        ),
    )
    state_name: str = Field(
        default="Connecticut", description="The state's name, shown in every page header."
    )
    portal_name: str = Field(
        default="Open Data Portal", description="The portal's name, after the state's."
    )
    host: str = Field(default="127.0.0.1", description="Address `statedata serve` listens on.")
    port: int = Field(
        default=8000, ge=1, le=65535, description="Port `statedata serve` listens on."
    )
    jobs_backend: Literal["sqlite", "redis", "immediate"] = Field(
        default="sqlite",
        description=(
            "Background job queue: sqlite (embedded; the consumer runs inside `statedata serve`), "
            "redis (production; run `statedata worker`), immediate (run in the caller, for tests)."
        ),
    )
    redis_url: str = Field(
        default="redis://127.0.0.1:6379/0", description="Redis URL when jobs_backend is redis."
    )
    jobs_workers: int = Field(
        default=2, ge=1, le=64, description="Worker threads of a job consumer."
    )
    jobs_in_server: bool = Field(
        default=True,
        description="Run the job consumer inside `statedata serve` (embedded sqlite jobs only).",
    )
    session_max_age_seconds: int = Field(
        default=8 * 3600, ge=60, description="How long a signed-in browser session lasts."
    )
    cookie_secure: bool = Field(
        default=False,
        description="Send cookies only over HTTPS, and tell browsers to use only HTTPS (HSTS); "
        "turn on behind TLS in production.",
    )
    orphan_grace_minutes: int = Field(
        default=60,
        ge=0,
        description="How old a file left by an interrupted load or upload (a staged data file no "
        "version refers to, a partly received upload) must be before the recovery at start-up "
        "and every hour removes it; longer than any load takes.",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Addresses of the reverse proxies whose X-Forwarded-For and "
        'X-Forwarded-Proto headers are believed, as JSON, e.g. ["10.0.0.5"]. None by default: '
        "a caller's own address is used, so no header can choose the address the rate limit "
        "and the audit log see.",
    )
    token_max_days: int = Field(
        default=365, ge=1, description="Longest lifetime an API token may be given."
    )
    oidc_issuer: str = Field(
        default="",
        description="OpenID Connect issuer URL; single sign-on is offered when it and the client id are set.",
    )
    oidc_client_id: str = Field(default="", description="OpenID Connect client id.")
    oidc_client_secret: SecretStr | None = Field(
        default=None, description="OpenID Connect client secret."
    )
    oidc_default_role: Literal["analyst", "researcher"] = Field(
        default="analyst",
        description="Role given to a person the first time they sign in through OIDC.",
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        pattern=r"^https?://[^\s/'\"]+(/[^\s'\"]*)?$",
        description="The portal's address as people reach it; links in reminders start with it.",
    )
    smtp_host: str = Field(
        default="",
        description=(
            "Mail server for reminders and notices. Empty keeps every message in the outbox "
            "only (the outbox page shows them)."
        ),
    )
    smtp_port: int = Field(default=587, ge=1, le=65535, description="Mail server port.")
    smtp_security: Literal["starttls", "tls", "none"] = Field(
        default="starttls",
        description="starttls (upgrade after connecting, port 587), tls (port 465) or none.",
    )
    smtp_username: str = Field(default="", description="Mail server user; empty sends no login.")
    smtp_password: SecretStr | None = Field(default=None, description="Mail server password.")
    smtp_timeout_seconds: float = Field(
        default=30.0, gt=0, description="How long a mail server may take to answer."
    )
    mail_from: str = Field(
        default="statedata@localhost",
        pattern=r"^[^@\s<>]+@[^@\s<>]+$",
        description="Sender address of reminders and notices.",
    )
    exchange_retention_days: int = Field(
        default=0,
        ge=0,
        le=3650,
        description="Days the hub keeps an exchange's identifier files after linking them; 0 "
        "destroys them as soon as the keys are issued.",
    )
    privacy_epsilon_budget: float = Field(
        default=1.0,
        ge=0,
        le=100,
        description="A dataset's privacy budget: the epsilon all its differentially private "
        "releases may spend together, unless its data officer sets another.",
    )
    sharing_step_days: int = Field(
        default=10,
        ge=1,
        le=365,
        description="Days a data request's step (steward review, legal review) may wait before "
        "its owners are reminded.",
    )
    linkage_backend: Literal["duckdb", "spark"] = Field(
        default="duckdb",
        description="Where the person index trains and scores: duckdb (in process) or spark "
        "(needs the spark extra and Java 17).",
    )
    linkage_spark_master: str = Field(
        default="local[2]",
        pattern=r"^(local(\[(\d+|\*)\])?|spark://[A-Za-z0-9.-]+:\d+|yarn|k8s://\S+)$",
        description="The Spark master when linkage_backend is spark: local[N], "
        "spark://host:port, yarn or k8s://...",
    )
    linkage_match_threshold: float = Field(
        default=0.9,
        gt=0,
        lt=1,
        description="Match probability at or above which two person records are one person.",
    )
    linkage_review_low: float = Field(
        default=0.5, gt=0, lt=1, description="Lower end of the review queue's uncertain band."
    )
    linkage_review_high: float = Field(
        default=0.95,
        gt=0,
        lt=1,
        description="Upper end (exclusive) of the review queue's uncertain band.",
    )
    linkage_survivorship: dict[str, str] = Field(
        default_factory=dict,
        description="Golden-record rule per person attribute, as JSON, over the defaults: "
        'most_frequent, most_recent or source_priority, e.g. {"address": "most_recent"}.',
    )
    linkage_source_priority: list[str] = Field(
        default_factory=list,
        description="Person-index sources in the order their values win under "
        'source_priority, as JSON, e.g. ["dph_births", "dmv_licenses"].',
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        default="info", description="Logging level of the server and workers."
    )

    @field_validator("database_url")
    @classmethod
    def _known_database_scheme(cls, value: str) -> str:
        if value:
            scheme = value.split(":", 1)[0].lower()
            if "://" not in value or scheme not in DATABASE_SCHEMES:
                raise ValueError(
                    f"unknown database URL scheme {scheme!r}; use sqlite:///path or "
                    "postgresql+psycopg://user:password@host/db"
                )
        return value

    @field_validator("lake_uri")
    @classmethod
    def _known_lake_scheme(cls, value: str) -> str:
        if "://" in value and value.split("://", 1)[0].lower() not in LAKE_SCHEMES:
            raise ValueError("unknown lake URI scheme; use a folder path or s3://bucket/prefix")
        return value

    @model_validator(mode="after")
    def _review_band_in_order(self) -> Settings:
        if self.linkage_review_low >= self.linkage_review_high:
            raise ValueError(
                f"linkage_review_low ({self.linkage_review_low}) must be below "
                f"linkage_review_high ({self.linkage_review_high})."
            )
        return self

    @model_validator(mode="after")
    def _resolve_home(self) -> Settings:
        object.__setattr__(self, "home", self.home.expanduser().resolve())
        return self

    @cached_property
    def resolved_database_url(self) -> str:
        """The metadata database URL, defaulting to a SQLite file under home."""
        if self.database_url:
            url = self.database_url
            if url.startswith("postgresql://"):
                url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
            return url
        return f"sqlite:///{self.home / 'statedata.db'}"

    @cached_property
    def resolved_lake_uri(self) -> str:
        """The lake location, defaulting to a folder under home."""
        return self.lake_uri or str(self.home / "lake")

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    @property
    def source_roots(self) -> list[Path]:
        """The folders file sources may be read from, resolved."""
        parts = [p for p in self.source_folders.split(":") if p.strip()]
        if not parts:
            return [self.home / "sources"]
        return [Path(p).expanduser().resolve() for p in parts]

    @property
    def exchange_dir(self) -> Path:
        """Where the hub keeps agencies' exchange files until they are destroyed."""
        return self.home / "exchange"

    @property
    def uploads_dir(self) -> Path:
        """Where uploaded files wait, streamed to disk, until their schema is confirmed."""
        return self.home / "uploads"

    def lake_storage_options(self) -> dict[str, str]:
        """Options delta-rs needs to reach an s3:// lake (none for a folder)."""
        if not self.resolved_lake_uri.startswith("s3://"):
            return {}
        options = {"AWS_REGION": self.s3_region, "AWS_S3_ALLOW_UNSAFE_RENAME": "true"}
        if self.s3_endpoint_url:
            options["AWS_ENDPOINT_URL"] = self.s3_endpoint_url
        if self.s3_allow_http:
            options["AWS_ALLOW_HTTP"] = "true"
        if self.s3_access_key_id:
            options["AWS_ACCESS_KEY_ID"] = self.s3_access_key_id
        if self.s3_secret_access_key is not None:
            options["AWS_SECRET_ACCESS_KEY"] = self.s3_secret_access_key.get_secret_value()
        return options

    @property
    def demo_dir(self) -> Path:
        """Where the synthetic Connecticut's source files are written."""
        return self.home / "demo"

    def secret(self) -> str:
        """The signing key: the configured one, else the one generated into home."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        return read_or_create_secret_key(self.home)


def env_name(field_name: str) -> str:
    """The environment variable that sets a field."""
    return ENV_PREFIX + field_name.upper()


# Checks of settings whose meaning a domain knows (the person index's survivorship rules):
# registered by the wiring at start-up, run whenever settings are read.
SettingsCheck = Callable[["Settings"], None]
_CHECKS: dict[str, SettingsCheck] = {}


def settings_check(name: str, check: SettingsCheck) -> None:
    """Register a check of the settings; it raises ``InvalidInput`` naming the setting."""
    _CHECKS[name] = check


def load_settings(**overrides: Any) -> Settings:
    """Read settings from the environment, turning any validation error into one clear line."""
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "settings"
        given = first.get("input")
        shown = "" if isinstance(given, dict) or field in SECRET_FIELDS else f" (got {given!r})"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{env_name(field)}: {message}{shown}") from None
    for name, check in _CHECKS.items():
        try:
            check(settings)
        except InvalidInput as exc:
            field = exc.field or name
            message = exc.detail.removeprefix(f"{field}: ")
            raise ConfigError(f"{env_name(field)}: {message}", field=env_name(field)) from None
    return settings


def prepare_home(settings: Settings) -> None:
    """Create home if needed and prove it is writable, naming the setting when it is not."""
    home = settings.home
    try:
        home.mkdir(parents=True, exist_ok=True)
        probe = home / ".write-probe"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(
            f"{env_name('home')}: {home} is not a writable folder ({exc.strerror})"
        ) from None


def read_or_create_secret_key(home: Path) -> str:
    """Return the key in home/secret_key, creating it (readable by the owner only) on first use."""
    path = home / SECRET_KEY_FILE
    if path.exists():
        return path.read_text().strip()
    home.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key)
    return key


SECRET_FIELDS = frozenset({"secret_key", "oidc_client_secret", "s3_secret_access_key"})


def effective_settings(settings: Settings) -> dict[str, str]:
    """Every setting by environment name with its effective value; secrets shown as set or unset."""
    shown: dict[str, str] = {}
    for name in Settings.model_fields:
        value = getattr(settings, name)
        if name in SECRET_FIELDS:
            text = "(set, hidden)" if value is not None else "(unset)"
            if name == "secret_key" and value is None:
                text = f"(generated in {settings.home / SECRET_KEY_FILE}, hidden)"
        elif name == "database_url":
            text = hide_password(settings.resolved_database_url)
        elif name == "lake_uri":
            text = settings.resolved_lake_uri
        else:
            text = str(value)
        shown[env_name(name)] = text
    return shown


def hide_password(url: str) -> str:
    """Mask the password in a URL such as postgresql+psycopg://user:password@host/db."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, location = rest.rsplit("@", 1)
    if ":" in credentials:
        credentials = credentials.split(":", 1)[0] + ":***"
    return f"{scheme}://{credentials}@{location}"
