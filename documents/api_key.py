from datetime import datetime
from enum import StrEnum
from typing import Annotated

from beanie import Document, Indexed, PydanticObjectId
from pydantic import Field
from pymongo import ASCENDING, IndexModel

from documents.base import utcnow


class Role(StrEnum):
    ADMIN = "admin"
    OFFICE = "office"
    FIELD = "field"
    PARTNER = "partner"


class ApiKey(Document):
    """An API key; only the SHA-256 of the key is stored, never the key."""

    org_id: PydanticObjectId
    prefix: str
    # Every request's key check reads the key by its hash.
    key_hash: Annotated[str, Indexed(unique=True)]
    role: Role
    name: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None

    class Settings:
        name = "api_keys"
        # `sitebook apikey list` (in creation order) and revoke by prefix.
        indexes = [IndexModel([("org_id", ASCENDING), ("created_at", ASCENDING)])]
