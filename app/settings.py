from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything configurable, from the environment; no secrets in code.

    The one place of each setting's default. It imports nothing of the layers
    that use it: app/ hands the values to them (resolvers.imports.ImportLimits).
    """

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # Unset: start (or reuse) the embedded SecantusDB under data_dir.
    mongodb_uri: str | None = Field(default=None, validation_alias="MONGODB_URI")
    database_name: str = Field(default="sitebook", validation_alias="SITEBOOK_DATABASE")
    data_dir: Path = Field(default=Path(".data"), validation_alias="SITEBOOK_DATA_DIR")
    env: Literal["development", "test", "production"] = Field(
        default="production", validation_alias="SITEBOOK_ENV"
    )
    # Seconds to wait for the embedded server to answer `hello`.
    embedded_start_timeout: float = 60.0
    # Import workers that `sitebook serve` runs in-process (0: leave imports to `sitebook worker`).
    import_workers: int = Field(default=1, validation_alias="SITEBOOK_IMPORT_WORKERS")
    # Export workers that `sitebook serve` runs in-process (0: leave exports to `sitebook worker`).
    export_workers: int = Field(default=1, validation_alias="SITEBOOK_EXPORT_WORKERS")
    # How long a worker holds a job without a checkpoint before another may take it over.
    import_lease_seconds: float = Field(default=30.0,
                                        validation_alias="SITEBOOK_IMPORT_LEASE_SECONDS")
    # How long a batch keeps trying through a failing database before its job fails
    # (resumable from its checkpoint).
    import_patience_seconds: float = Field(default=90.0,
                                           validation_alias="SITEBOOK_IMPORT_PATIENCE_SECONDS")
    max_upload_bytes: int = Field(default=100 * 1024 * 1024,
                                  validation_alias="SITEBOOK_MAX_UPLOAD_BYTES")
    # Excel's own limit.
    max_import_rows: int = Field(default=1_048_576, validation_alias="SITEBOOK_MAX_IMPORT_ROWS")
    max_import_columns: int = Field(default=1_000,
                                    validation_alias="SITEBOOK_MAX_IMPORT_COLUMNS")

    # Origins (scheme://host[:port]) whose browser pages may call the API, comma-separated.
    cors_origins: str = Field(default="", validation_alias="SITEBOOK_CORS_ORIGINS")
    # How long one query's database reads may take before they are stopped (maxTimeMS).
    read_timeout_seconds: float = Field(default=10.0,
                                        validation_alias="SITEBOOK_READ_TIMEOUT_SECONDS")
    # How long a process keeps who a key speaks for: a key revoked (or settings
    # changed) by another process takes effect within it. 0: look it up every time.
    key_cache_seconds: float = Field(default=5.0, ge=0, le=60,
                                     validation_alias="SITEBOOK_KEY_CACHE_SECONDS")
    # How long a process keeps lookups (customer types, ...) it read: a rename or
    # delete by another process shows within it. 0: read them every time.
    lookup_cache_seconds: float = Field(default=5.0, ge=0, le=60,
                                        validation_alias="SITEBOOK_LOOKUP_CACHE_SECONDS")

    @property
    def allowed_origins(self) -> list[str]:
        return [origin.strip().rstrip("/") for origin in self.cors_origins.split(",")
                if origin.strip()]

    @property
    def import_lease(self) -> timedelta:
        return timedelta(seconds=self.import_lease_seconds)

    @property
    def import_patience(self) -> timedelta:
        return timedelta(seconds=self.import_patience_seconds)

    @property
    def graphiql(self) -> bool:
        return self.env == "development"
