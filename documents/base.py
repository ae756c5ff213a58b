"""Tenant scoping lives here, in one place.

Every tenant document carries `org_id`, every index starts with it, and every
read or write goes through `TenantDocument.scoped`, which puts the org into
the filter. Resolvers never build a tenant filter by hand.
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, ClassVar, Self

from beanie import Document, PydanticObjectId
from bson import Decimal128, ObjectId
from pymongo.asynchronous.collection import AsyncCollection

Filter = dict[str, Any]
IN_CHUNK = 32


def utcnow() -> datetime:
    # Mongo stores milliseconds; truncate so a value read back equals the one written.
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


class TenantDocument(Document):
    org_id: PydanticObjectId

    # Collections whose documents belong to an organization; a later
    # command listener checks that every command on them names the org.
    tenant_collections: ClassVar[set[str]] = set()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        settings = cls.__dict__.get("Settings")
        if settings is not None and getattr(settings, "name", None):
            TenantDocument.tenant_collections.add(settings.name)

    @classmethod
    def scoped(cls, org_id: ObjectId, extra: Filter | None = None) -> Filter:
        """`extra` restricted to one organization.

        An `_id` condition goes first: SecantusDB serves a filter that no index
        covers whole by its first condition that one can, and `_id` (an id or an
        `$in` of ids) is its primary key, a read of just those documents; `org_id`
        first would read the whole organization's range of another index. So no
        collection needs an (org_id, _id) index for point reads.
        """
        extra = extra or {}
        if "_id" not in extra:
            return {"org_id": org_id, **extra}
        return {"_id": extra["_id"], "org_id": org_id,
                **{key: value for key, value in extra.items() if key != "_id"}}

    @classmethod
    def collection(cls) -> AsyncCollection[dict[str, Any]]:
        return cls.get_pymongo_collection()

    @classmethod
    async def get_in(cls, org_id: ObjectId, doc_id: ObjectId) -> Self | None:
        """The document with this id in this org; another org's looks missing."""
        raw = await cls.collection().find_one(cls.scoped(org_id, {"_id": doc_id}))
        return None if raw is None else cls.model_validate(raw)

    @classmethod
    async def find_in(
        cls, org_id: ObjectId, extra: Filter | None = None, **kwargs: Any
    ) -> list[Self]:
        cursor = cls.collection().find(cls.scoped(org_id, extra), **kwargs)
        return [cls.model_validate(raw) async for raw in cursor]

    @classmethod
    async def find_any(
        cls, org_id: ObjectId, field: str, values: Iterable[Any], **kwargs: Any
    ) -> list[Self]:
        """The org's documents whose `field` is one of `values`.

        Asked IN_CHUNK values at a time: SecantusDB's cost for an `$in` grows
        with the square of its list (1,000 names: 1.7 s; in chunks of 32: 0.3 s).
        """
        return [cls.model_validate(raw) for raw in await cls.find_any_raw(org_id, field, values,
                                                                          **kwargs)]

    @classmethod
    async def find_any_raw(
        cls, org_id: ObjectId, field: str, values: Iterable[Any], **kwargs: Any
    ) -> list[dict[str, Any]]:
        """`find_any`'s documents as stored, not validated."""
        wanted = sorted(set(values))
        found: list[dict[str, Any]] = []
        for start in range(0, len(wanted), IN_CHUNK):
            found += await cls.collection().find(
                cls.scoped(org_id, {field: {"$in": wanted[start:start + IN_CHUNK]}}),
                **kwargs).to_list()
        return found

    @classmethod
    async def aggregate_in(cls, org_id: ObjectId, first: Filter, stages: list[Filter],
                           limit: int | None = None) -> list[dict[str, Any]]:
        """Raw results of a pipeline starting with `first` in the org: keep `first`
        shaped like an index prefix (see resolvers/name_order) and filter later.
        """
        pipeline = [{"$match": cls.scoped(org_id, first)}, *stages]
        if limit is None:
            return await (await cls.collection().aggregate(pipeline)).to_list()
        # One more than the limit per batch: a full first batch would leave the cursor open.
        cursor = await cls.collection().aggregate([*pipeline, {"$limit": limit}],
                                                  batchSize=limit + 1)
        return await cursor.to_list()

    @classmethod
    async def count_where(cls, org_id: ObjectId, first: Filter, stages: list[Filter]) -> int:
        """How many documents the pipeline of `aggregate_in` finds."""
        counted = await cls.aggregate_in(org_id, first, [*stages, {"$count": "n"}])
        return int(counted[0]["n"]) if counted else 0

    @classmethod
    async def count_in(cls, org_id: ObjectId, extra: Filter | None = None) -> int:
        return await cls.collection().count_documents(cls.scoped(org_id, extra))

    def to_mongo(self) -> dict[str, Any]:
        """The BSON-ready form of this document (Decimal -> Decimal128, date -> datetime).

        pydantic's own dump plus a walk for the two types BSON lacks: several
        times faster than Beanie's encoder, which matters on bulk imports.
        """
        bson_ready: dict[str, Any] = _bson_ready(
            self.model_dump(by_alias=True, exclude={"revision_id"}))
        return bson_ready


def _bson_ready(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _bson_ready(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_bson_ready(item) for item in value]
    if isinstance(value, Decimal):
        return Decimal128(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return value


async def drop_undeclared_id_indexes(documents: Iterable[type[Document]],
                                     database: Any) -> list[str]:
    """Drop the indexes with `_id` in their key that `documents` no longer
    declare, such as (org_id, _id) from before point reads put `_id` first.

    Beanie's `allow_index_dropping` drops every other undeclared index but
    skips any whose key holds `_id` ascending (it takes them for the primary
    key's). Returns the names dropped.
    """
    dropped = []
    for document in documents:
        settings = getattr(document, "Settings", None)
        declared = {tuple(model.document["key"].items())
                    for model in getattr(settings, "indexes", None) or []}
        collection = database[document.get_collection_name()]
        for name, info in (await collection.index_information()).items():
            key = tuple((field, int(way) if isinstance(way, float) else way)
                        for field, way in info["key"])
            if name != "_id_" and any(field == "_id" for field, _ in key) and key not in declared:
                await collection.drop_index(name)
                dropped.append(name)
    return dropped
