"""Idempotency keys as Stripe has them: the same key with the same request gives
the same job; with another request, IDEMPOTENCY_KEY_REUSED; after 24 hours the
key is free again.
"""

from datetime import timedelta
from typing import Any

from bson import ObjectId
from starlette.applications import Starlette

from documents.base import utcnow
from schema.ids import parse_global_id
from tests.conftest import Org
from tests.imports import csv_bytes, finished, upload

DATA = csv_bytes([["Customer Name"], ["ABC"]])
KEY = "nightly-2026-11-22"


def _object_id(global_id: str) -> ObjectId:
    parsed = parse_global_id(global_id)
    assert parsed is not None
    return parsed[1]


async def test_same_key_same_request_is_the_same_job(org: Org, app: Starlette) -> None:
    first = await upload(org, DATA, "a.csv", entity="CUSTOMERS", idempotencyKey=KEY)
    # The file's name does not change what an import does.
    again = await upload(org, DATA, "renamed.csv", entity="CUSTOMERS", idempotencyKey=KEY)
    assert again["userErrors"] == []
    assert again["job"]["id"] == first["job"]["id"]
    stored = await app.state.database.db.import_jobs.find_one(
        {"org_id": ObjectId(await _org_id(app, org)), "_id": _object_id(first["job"]["id"])})
    assert len(stored["request_fingerprint"]) == 64


async def _org_id(app: Starlette, org: Org) -> str:
    found = await app.state.database.db.organizations.find_one({"slug": org.slug})
    return str(found["_id"])


async def test_same_key_with_another_request_is_refused(org: Org) -> None:
    first = await upload(org, DATA, "a.csv", entity="CUSTOMERS", dryRun=True,
                         idempotencyKey=KEY)
    changes: list[tuple[bytes, dict[str, Any]]] = [
        (csv_bytes([["Customer Name"], ["XYZ"]]), {"dryRun": True}),  # another file
        (DATA, {"dryRun": False}),  # the real import after a dry run
        (DATA, {"dryRun": True, "mode": "CREATE_ONLY"}),
        (DATA, {"dryRun": True, "mapping": [{"column": 0, "field": "name"}]}),
    ]
    for data, options in changes:
        refused = await upload(org, data, "a.csv", entity="CUSTOMERS", idempotencyKey=KEY,
                               **options)
        assert refused["job"] is None, options
        (error,) = refused["userErrors"]
        assert error["code"] == "IDEMPOTENCY_KEY_REUSED"
        assert error["field"] == ["input", "idempotencyKey"]
        assert "new key" in error["message"]
    other_entity = await upload(org, csv_bytes([["Site Name", "Billing Customer"]]), "s.csv",
                                entity="SITES", idempotencyKey=KEY)
    assert other_entity["userErrors"][0]["code"] == "IDEMPOTENCY_KEY_REUSED"
    job = await finished(org, first["job"]["id"])
    assert job["dryRun"] is True
    jobs = await org.gql("{ importJobs { totalCount } }")
    assert jobs["importJobs"]["totalCount"] == 1


async def test_a_key_expires_after_24_hours(org: Org, app: Starlette) -> None:
    first = await upload(org, DATA, "a.csv", entity="CUSTOMERS", dryRun=True,
                         idempotencyKey=KEY)
    await finished(org, first["job"]["id"])
    org_id = ObjectId(await _org_id(app, org))
    await app.state.database.db.import_jobs.update_one(
        {"org_id": org_id, "_id": _object_id(first["job"]["id"])},
        {"$set": {"created_at": utcnow() - timedelta(hours=24, minutes=1)}})
    later = await upload(org, DATA, "a.csv", entity="CUSTOMERS", dryRun=False,
                         idempotencyKey=KEY)
    assert later["userErrors"] == []
    assert later["job"]["id"] != first["job"]["id"]
    job = await finished(org, later["job"]["id"])
    assert job["totals"]["created"] == 1
    # The new job holds the key now: the same request again is that job.
    again = await upload(org, DATA, "a.csv", entity="CUSTOMERS", dryRun=False,
                         idempotencyKey=KEY)
    assert again["job"]["id"] == later["job"]["id"]
