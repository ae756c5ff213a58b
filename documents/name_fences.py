"""Fences: every 64th customer name key of an organization, in order.

A server that materializes a whole index range before it sorts and limits
(SecantusDB does) pays for every customer of the org on each page; bounded
ranges between fences keep a page to a few dozen documents. Fences only bound
ranges, so stale fences cost speed, never results.
"""

from datetime import datetime

from bson import ObjectId
from pydantic import Field
from pymongo import ASCENDING, IndexModel

from documents.base import TenantDocument, utcnow


class NameFences(TenantDocument):
    fences: list[str] = Field(default_factory=list)
    # Customers counted when the fences were built, and added since.
    built_count: int = 0
    added_since_build: int = 0
    built_at: datetime = Field(default_factory=utcnow)

    class Settings:
        name = "customer_name_fences"
        # One document per org, read before each page of customers.
        indexes = [IndexModel([("org_id", ASCENDING)], unique=True)]

    @classmethod
    async def note_added(cls, org_id: ObjectId, count: int) -> None:
        """Tell the fences that customers were added, so they are rebuilt in time."""
        await cls.collection().update_one(
            cls.scoped(org_id), {"$inc": {"added_since_build": count}}, upsert=True)
