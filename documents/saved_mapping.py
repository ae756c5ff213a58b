from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, model_validator
from pymongo import ASCENDING, IndexModel

from documents.base import TenantDocument, utcnow
from documents.import_job import header_row_of_older


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
    # The 1-based row of the headers in the files it was saved from (None: none).
    header_row: int | None = 1
    columns: list[SavedColumn] = Field(default_factory=list)
    created_at: datetime = Field(default_factory=utcnow)

    @model_validator(mode="before")
    @classmethod
    def _header_row_of_older_documents(cls, data: Any) -> Any:
        return header_row_of_older(data)

    class Settings:
        name = "saved_mappings"
        indexes = [
            # Unique name per entity; savedMappings(entity) lists by its prefix.
            # Reads by id need no index: TenantDocument.scoped puts `_id` first.
            IndexModel([("org_id", ASCENDING), ("entity", ASCENDING), ("name_key", ASCENDING)],
                       unique=True),
        ]
