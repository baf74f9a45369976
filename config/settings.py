"""The one settings object. Every value comes from an ``OFFBOARDING_*`` environment variable
(or a ``.env`` file in the working directory); the README lists them all."""

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Language = Literal["nl", "en"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OFFBOARDING_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path("data"), description="Folder for the embedded database, the Temporal dev server's file and captured mail.")
    database_url: str = Field("", description="SQLAlchemy async URL. Empty: SQLite file `offboarding.db` in the data folder.")

    temporal_address: str = Field("localhost:7233", description="Temporal frontend host:port.")
    temporal_namespace: str = Field("default", description="Temporal namespace for cases.")
    task_queue: str = Field("offboarding", description="Task queue the workers poll.")
    temporal_ui_url: str = Field("http://localhost:8233", description="Where people find the Temporal UI (printed and linked).")

    smtp_host: str = Field("127.0.0.1", description="SMTP server host. The local run starts a sink here unless `smtp_external` is set.")
    smtp_port: int = Field(1025, description="SMTP server port.")
    smtp_username: str = Field("", description="SMTP user name (empty: no login).")
    smtp_password: str = Field("", description="SMTP password.")
    smtp_starttls: bool = Field(False, description="Upgrade the SMTP connection with STARTTLS.")
    smtp_tls: bool = Field(False, description="Connect to the SMTP server over TLS (port 465 style).")
    smtp_timeout_seconds: float = Field(30.0, description="Timeout for one SMTP conversation.")
    smtp_external: bool = Field(False, description="True: mail goes to the configured SMTP server and `make run` starts no local sink.")
    mail_from: str = Field("HR <hr@example.org>", description="Sender of every mail.")

    organisation_name: str = Field("Example Organisation", description="Name used in mails and pages.")
    organisation_country: Literal["NL", "BE"] = Field("NL", description="Country whose public holidays count for working days.")
    hr_email: str = Field("hr@example.org", description="HR mailbox that is told of every case.")
    hr_language: Language = Field("nl", description="Language of mails to HR.")
    facilities_email: str = Field("facilities@example.org", description="IT/facilities mailbox that is told of every case.")
    facilities_language: Language = Field("nl", description="Language of mails to IT/facilities.")

    web_host: str = Field("127.0.0.1", description="Address the web app binds to.")
    web_port: int = Field(8000, description="Port of the web app.")
    public_url: str = Field("http://localhost:8000", description="Base URL of the web app as people reach it (used in mail links).")
    secret_key: str = Field("", description="Key that signs employee links and sessions. Empty: a random key kept in `<data_dir>/secret_key`.")
    link_max_age_days: int = Field(60, ge=1, le=365, description="How long an employee link stays valid.")
    mailbox_enabled: bool = Field(True, description="Show captured mail at /mailbox (local run only; off in production).")

    @model_validator(mode="after")
    def _default_database(self) -> "Settings":
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{(self.data_dir / 'offboarding.db').resolve()}"
        return self

    def signing_key(self) -> str:
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()

    @property
    def mailbox_dir(self) -> Path:
        return self.data_dir / "mailbox"


@lru_cache
def get_settings() -> Settings:
    return Settings()
