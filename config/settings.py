"""The one settings object. Every value comes from an ``OFFBOARDING_*`` environment variable
(or a ``.env`` file in the working directory); the README lists them all."""

import ipaddress
import json
import os
import secrets
import time
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

import limits
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from config.codes import new_setup_code
from config.keys import new_key_entry, parse_key_ring
from config.webhook_secrets import secret_key

Language = Literal["nl", "en"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OFFBOARDING_", env_file=".env", extra="ignore")

    data_dir: Path = Field(
        Path("data"), description="Folder for the embedded database, the Temporal dev server's file and captured mail."
    )
    database_url: str = Field(
        "", description="SQLAlchemy async URL. Empty: SQLite file `offboarding.db` in the data folder."
    )

    temporal_address: str = Field("localhost:7233", description="Temporal frontend host:port.")
    temporal_namespace: str = Field("default", description="Temporal namespace for cases.")
    task_queue: str = Field("offboarding", description="Task queue the workers poll.")
    worker_max_cached_workflows: int = Field(
        1000,
        ge=0,
        description="Workflows a worker keeps in memory between their steps (a case and its interview are two; each takes about 0.3 MB). An update to a case that is not kept replays its history first.",
    )
    temporal_ui_url: str = Field(
        "http://localhost:8233", description="Where people find the Temporal UI (printed and linked)."
    )

    smtp_host: str = Field(
        "127.0.0.1", description="SMTP server host. The local run starts a sink here unless `smtp_external` is set."
    )
    smtp_port: int = Field(1025, description="SMTP server port.")
    smtp_username: str = Field("", description="SMTP user name (empty: no login).")
    smtp_password: str = Field("", description="SMTP password.")
    smtp_starttls: bool = Field(False, description="Upgrade the SMTP connection with STARTTLS.")
    smtp_tls: bool = Field(False, description="Connect to the SMTP server over TLS (port 465 style).")
    smtp_timeout_seconds: float = Field(30.0, description="Timeout for one SMTP conversation.")
    smtp_connections: int = Field(
        4,
        ge=1,
        description="Conversations with the SMTP server one worker holds at once; further sends wait their turn. A worker killed mid-send may send again at most one mail per conversation it held.",
    )
    smtp_external: bool = Field(
        False, description="True: mail goes to the configured SMTP server and `make run` starts no local sink."
    )
    mail_from: str = Field("HR <hr@example.org>", description="Sender of every mail.")

    organisation_name: str = Field("Example Organisation", description="Name used in mails and pages.")
    organisation_country: Literal["NL", "BE"] = Field(
        "NL",
        description="Country of the organisation (`NL` or `BE`): its public holidays count for working days, its departure documents are on the checklist and its notice periods are checked at registration.",
    )
    hr_email: str = Field("hr@example.org", description="HR mailbox that is told of every case.")
    hr_language: Language = Field("nl", description="Language of mails to HR.")
    facilities_email: str = Field(
        "facilities@example.org", description="IT/facilities mailbox that is told of every case."
    )
    facilities_language: Language = Field("nl", description="Language of mails to IT/facilities.")

    web_host: str = Field("127.0.0.1", description="Address the web app binds to.")
    web_port: int = Field(8000, description="Port of the web app.")
    public_url: str = Field(
        "http://localhost:8000", description="Base URL of the web app as people reach it (used in mail links)."
    )
    secret_key: str = Field(
        "",
        description="Key that signs employee links and sessions. Empty: a random key kept in `<data_dir>/secret_key`.",
    )
    link_max_age_days: int = Field(60, ge=1, le=365, description="How long an employee link stays valid.")
    mailbox_enabled: bool = Field(
        True, description="Show captured mail at /mailbox (local run only; off in production)."
    )

    session_max_age_hours: int = Field(
        12, ge=1, le=24 * 30, description="How long a web sign-in lasts before the person signs in again."
    )
    api_trust_body_actor: bool = Field(
        False,
        description="True: an API call with neither a session nor a bearer token may name who acts in its body (`actor`) and read cases. Only for a closed integration network that nobody else can reach; API programs use tokens instead.",
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Addresses or networks (`10.0.0.0/8`) of the reverse proxies in front of the web app, comma-separated. Only for requests from these are the client address and scheme read from `X-Forwarded-For` and `X-Forwarded-Proto`, by the app and by uvicorn (`python -m web.serve`). Empty: the connecting address is the client.",
    )
    rate_limit_storage_url: str = Field(
        "memory://",
        description="Where rate-limit counters live: `memory://` (one web process) or `redis://host:6379/0` (shared by several web replicas).",
    )
    sign_in_limit_per_account_and_address: str = Field(
        "10 per 15 minutes",
        description="Sign-in attempts to one account from one client address, or from one browser that signed in to that account before, wherever it is (moving window; `;` separates several limits, e.g. `5 per minute; 20 per hour`). A successful sign-in there starts the count afresh. Empty: no limit.",
    )
    sign_in_limit_per_account: str = Field(
        "100 per hour",
        description="Failed sign-ins to one account from browsers that never signed in to it, all client addresses together: it holds back guessing from many addresses. A browser that signed in to the account before is not held back by it, nor by the limit per address. Empty: no limit.",
    )
    sign_in_limit_per_address: str = Field(
        "30 per 10 minutes",
        description="Failed sign-in attempts per client address, whatever the account (a browser that signed in to the account before does not count here). Empty: no limit.",
    )
    link_limit_per_address: str = Field(
        "60 per minute",
        description="Requests to the employee's link pages (`/invitation/...`, `/consent/...`) per client address. Empty: no limit.",
    )
    max_body_bytes: int = Field(
        1_048_576,
        ge=1024,
        description="Largest request body the web app reads, in bytes; a larger one is refused with 413.",
    )
    max_import_body_bytes: int = Field(
        6_000_000, ge=1024, description="Largest request body for the CSV import (`/api/imports/...`), in bytes."
    )
    oidc_issuer: str = Field(
        "",
        description="Issuer URL of the organisation's OpenID Connect provider, e.g. `https://login.example.org/realms/staff`. Empty: sign-in with a password only.",
    )
    oidc_client_id: str = Field("", description="Client id of this app at the OpenID Connect provider.")
    oidc_client_secret: str = Field("", description="Client secret of this app at the OpenID Connect provider.")
    oidc_token_auth_method: Literal["client_secret_basic", "client_secret_post"] = Field(
        "client_secret_basic",
        description="How this app authenticates at the provider's token endpoint, as registered there: `client_secret_basic` (HTTP Basic, the OpenID Connect default) or `client_secret_post` (in the form).",
    )

    events_secret: str = Field(
        "",
        description="Shared secret that signs events from the HR system to `POST /api/events`: `whsec_<base64 key>` as Standard Webhooks writes it (any other text is used as it is). Empty: events are switched off and the endpoint answers 403.",
    )
    event_max_age_seconds: int = Field(
        300,
        ge=1,
        le=86400,
        description="How far an event's signing time (`webhook-timestamp`) may lie in the past (or the future) before it is refused.",
    )
    event_type_prefixes: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Prefixes the HR system puts before the event types, comma-separated, e.g. `nl.example.hr` to take `nl.example.hr.employee.resigned` (a prefix ending in a letter or digit is joined with a dot). The bare types are always taken.",
    )
    webhook_urls: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="URLs told of case events (opened, step done, closed), comma-separated. Empty: no webhooks.",
    )
    webhook_secret: str = Field(
        "",
        description='Shared secret that signs outgoing webhooks (Standard Webhooks): `whsec_<base64 key>` (24 to 64 bytes; see "Events from an HR system, CSV import and webhooks"); a secret without the prefix signs with its UTF-8 bytes. Needed when `webhook_urls` is set.',
    )
    scim_url: str = Field(
        "",
        description="Base URL of the identity provider's SCIM 2.0 endpoint (e.g. `https://idp.example.org/scim/v2`). Set: at the end of the last working day the person's account is deactivated there (`PATCH active=false`). Empty: the case publishes `access.revoke` through the webhooks and IT/facilities gets a task.",
    )
    scim_token: SecretStr = Field(
        SecretStr(""),
        description="Bearer token for the SCIM endpoint; needed when `scim_url` is set. Never logged or shown.",
    )
    scim_match: Literal["email", "external_id"] = Field(
        "email",
        description="How the person's account is found: `email` (`userName` or `emails.value` equals the work email) or `external_id` (`externalId` equals the employee id).",
    )
    payload_keys: str = Field(
        "",
        description="Keys that encrypt every workflow payload kept in Temporal (AES-GCM): `<id>:<base64 key>`, comma-separated; the first encrypts, every one decrypts. Empty: a random key kept in `<data_dir>/payload_key`.",
    )

    setup_code: str = Field(
        "",
        description="Code that opens the first-run page (`/setup`, where the first admin/HR account is made) while no account exists. Empty: a random code kept in `<data_dir>/setup_code`, printed by `make run`.",
    )
    setup_limit_per_address: str = Field(
        "10 per 15 minutes",
        description="Attempts at the first-run page's setup code per client address. Empty: no limit.",
    )

    log_format: Literal["text", "json"] = Field(
        "text",
        description="`text`: readable lines. `json`: one JSON object per line with the case id and request id, never interview content or personal free text (e-mail addresses masked).",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="Least severe log level written by the worker and the web app."
    )
    metrics_host: str = Field(
        "127.0.0.1",
        description="Address the metrics endpoints and the worker's health endpoint bind to (`0.0.0.0` in a container).",
    )
    web_metrics_port: int = Field(
        0,
        ge=0,
        le=65535,
        description="Port where the web app serves Prometheus metrics at `/metrics` (not on the public port). 0: not served.",
    )
    worker_port: int = Field(
        0,
        ge=0,
        le=65535,
        description="Port of the worker's own HTTP endpoint: Prometheus metrics at `/metrics` (the Temporal SDK's and the product's), `/health/live` and `/health/ready`. 0: not served.",
    )
    otlp_endpoint: str = Field(
        "",
        description="OTLP/HTTP endpoint that receives traces from the web app and the worker, e.g. `http://otel-collector:4318/v1/traces`. Empty: no traces.",
    )

    @field_validator("webhook_urls", mode="before")
    @classmethod
    def _split_urls(cls, value: object) -> object:
        # The environment gives one string: comma-separated, or a JSON list.
        if isinstance(value, str):
            text = value.strip()
            return json.loads(text) if text.startswith("[") else [url.strip() for url in text.split(",") if url.strip()]
        return value

    @field_validator("event_type_prefixes", mode="before")
    @classmethod
    def _split_prefixes(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("webhook_urls")
    @classmethod
    def _http_urls(cls, urls: list[str]) -> list[str]:
        for url in urls:
            parsed = urlsplit(url)
            if parsed.scheme not in ("http", "https") or not parsed.netloc:
                raise ValueError(f"{url!r} is not an http(s) URL")
        return urls

    @field_validator("webhook_secret", "events_secret")
    @classmethod
    def _signing_secret(cls, value: str) -> str:
        if value:
            secret_key(value)  # a ValueError says what is wrong with a whsec_ secret
        return value

    @field_validator("payload_keys")
    @classmethod
    def _readable_key_ring(cls, value: str) -> str:
        parse_key_ring(value)
        return value

    @field_validator("otlp_endpoint")
    @classmethod
    def _otlp_url(cls, value: str) -> str:
        value = value.strip()
        parsed = urlsplit(value)
        if value and (parsed.scheme not in ("http", "https") or not parsed.netloc):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, proxies: list[str]) -> list[str]:
        for proxy in proxies:
            ipaddress.ip_network(proxy, strict=False)  # a ValueError names the bad entry
        return proxies

    @field_validator(
        "sign_in_limit_per_account_and_address",
        "sign_in_limit_per_account",
        "sign_in_limit_per_address",
        "link_limit_per_address",
        "setup_limit_per_address",
    )
    @classmethod
    def _rate_limits(cls, value: str) -> str:
        if value.strip():
            limits.parse_many(value)  # a ValueError explains the notation
        return value.strip()

    @field_validator("rate_limit_storage_url")
    @classmethod
    def _limit_storage(cls, value: str) -> str:
        if urlsplit(value).scheme not in ("memory", "redis", "rediss"):
            raise ValueError("use memory:// or a redis:// (rediss://) URL")
        return value

    @model_validator(mode="after")
    def _signed_webhooks(self) -> "Settings":
        if self.webhook_urls and not self.webhook_secret:
            raise ValueError("webhook_secret is needed when webhook_urls is set: receivers verify each webhook with it")
        return self

    @field_validator("scim_url")
    @classmethod
    def _scim_url(cls, url: str) -> str:
        parsed = urlsplit(url.strip())
        if url.strip() and (parsed.scheme not in ("http", "https") or not parsed.netloc):
            raise ValueError(f"{url!r} is not an http(s) URL")
        return url.strip()

    @model_validator(mode="after")
    def _scim_token(self) -> "Settings":
        if self.scim_url and not self.scim_token.get_secret_value():
            raise ValueError(
                "scim_token is needed when scim_url is set: the identity provider refuses requests without it"
            )
        return self

    @model_validator(mode="after")
    def _default_database(self) -> "Settings":
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{(self.data_dir / 'offboarding.db').resolve()}"
        return self

    def signing_key(self) -> str:
        if self.secret_key:
            return self.secret_key
        return self._kept_key("secret_key", lambda: secrets.token_urlsafe(48))

    def first_run_code(self) -> str:
        """The code that opens the first-run page: the setting, else the data folder's own."""
        return self.setup_code or self._kept_key("setup_code", new_setup_code)

    def payload_key_ring(self) -> list[tuple[str, bytes]]:
        """The payload keys as (id, key), the encrypting one first: from the setting, else the data folder's own."""
        return parse_key_ring(self.payload_keys or self._kept_key("payload_key", new_key_entry))

    def _kept_key(self, name: str, make) -> str:
        path = self.data_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # Exclusive creation: the worker and the web app starting together end up with one key, never readable by others.
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return self._read_key(path)
        with os.fdopen(descriptor, "w") as file:
            file.write(make())
        return self._read_key(path)

    @staticmethod
    def _read_key(path: Path) -> str:
        # Another process may have created the file a moment ago and still be writing it.
        for _ in range(50):
            key = path.read_text().strip()
            if key:
                return key
            time.sleep(0.02)
        raise RuntimeError(
            f"{path} is empty; remove it, or set OFFBOARDING_SECRET_KEY (secret_key) or OFFBOARDING_PAYLOAD_KEYS (payload_key)"
        )

    @property
    def mailbox_dir(self) -> Path:
        return self.data_dir / "mailbox"


@lru_cache
def get_settings() -> Settings:
    return Settings()
