from datetime import datetime

from pydantic import BaseModel, Field
from pymongo import ASCENDING, IndexModel

from documents.base import TenantDocument, utcnow


class SavedColumn(BaseModel):
    column: int
    header: str | None = None
    field: str


class SavedMapping(TenantDocument):
    """A column mapping saved under a name, for files of the same layout."""

    name: str
    name_key: str
    entity: str
    has_headers: bool = True
    columns: list[SavedColumn] = Field(default_factory=list)
    created_at: datetime = Field(default_factory=utcnow)

    class Settings:
        name = "saved_mappings"
        indexes = [
            IndexModel([("org_id", ASCENDING), ("entity", ASCENDING), ("name_key", ASCENDING)],
                       unique=True),
            IndexModel([("org_id", ASCENDING), ("_id", ASCENDING)]),
        ]
