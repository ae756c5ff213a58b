"""Who may export what, another organization's exports, and their expiry."""

from datetime import timedelta

from documents.api_key import Role
from documents.base import utcnow
from documents.export_job import ExportJob
from resolvers.export_worker import sweep
from tests.conftest import Org
from tests.exports import EXPORT_JOB, download, export_file, finished, start

CREATE = 'mutation { customerCreate(input: {name: "Acme Plumbing"}) { userErrors { code } } }'


async def test_office_and_admin_export_everything(org: Org) -> None:
    await org.mutate(CREATE)
    for role in (Role.OFFICE, Role.ADMIN):
        for entity in ("CUSTOMERS", "SITES", "CONTACTS", "EQUIPMENT", "PRODUCTS",
                       "PRODUCT_LINES", "TEMPLATE"):
            assert await export_file(org, entity, role=role), (role, entity)


async def test_field_keys_export_sites_only(org: Org) -> None:
    assert await export_file(org, "SITES", role=Role.FIELD)
    for entity in ("CUSTOMERS", "CONTACTS", "EQUIPMENT", "PRODUCTS", "PRODUCT_LINES",
                   "TEMPLATE"):
        payload = await start(org, entity, role=Role.FIELD)
        assert payload["job"] is None
        assert [e["code"] for e in payload["userErrors"]] == ["FORBIDDEN"], entity


async def test_partners_may_not_export(org: Org) -> None:
    for entity in ("SITES", "CUSTOMERS", "PRODUCT_LINES"):
        payload = await start(org, entity, role=Role.PARTNER)
        assert [e["code"] for e in payload["userErrors"]] == ["FORBIDDEN"], entity


async def test_a_download_needs_the_permission_of_its_export(org: Org) -> None:
    await org.mutate(CREATE)
    payload = await start(org, "CUSTOMERS")
    job = await finished(org, payload["job"]["id"])
    for role in (Role.FIELD, Role.PARTNER):
        response = await org.http.get(job["downloadUrl"],
                                      headers={"Authorization": f"Bearer {org.keys[role]}"})
        assert response.status_code == 403, role
    response = await org.http.get(job["downloadUrl"])
    assert response.status_code == 401
    assert (await download(org, job)).startswith(b"PK")


async def test_another_orgs_export_looks_missing(org: Org, make_org: object) -> None:
    await org.mutate(CREATE)
    payload = await start(org, "CUSTOMERS")
    job = await finished(org, payload["job"]["id"])
    other: Org = await make_org("other")  # type: ignore[operator]
    for role in (Role.OFFICE, Role.ADMIN):
        assert (await other.gql(EXPORT_JOB, {"id": job["id"]}, role))["exportJob"] is None
        response = await other.http.get(
            job["downloadUrl"], headers={"Authorization": f"Bearer {other.keys[role]}"})
        assert response.status_code == 404
    garbled = await org.http.get("/exports/not-an-id/file",
                                 headers={"Authorization": f"Bearer {org.keys[Role.OFFICE]}"})
    assert garbled.status_code == 404


async def test_a_csv_template_is_refused_with_a_reason(org: Org) -> None:
    payload = await start(org, "TEMPLATE", "CSV")
    assert payload["userErrors"][0]["code"] == "INVALID"
    assert payload["userErrors"][0]["field"] == ["input", "format"]


async def test_exports_expire_after_a_day(org: Org) -> None:
    await org.mutate(CREATE)
    payload = await start(org, "CUSTOMERS")
    job = await finished(org, payload["job"]["id"])
    stored = await ExportJob.collection().find_one({"file_name": job["fileName"]})
    assert stored is not None
    assert timedelta(hours=23) < stored["expires_at"] - stored["created_at"] <= timedelta(hours=24)
    database = ExportJob.collection().database
    # A day later: the job looks missing at once, and the sweep deletes the file.
    await ExportJob.collection().update_one({"_id": stored["_id"]},
                                            {"$set": {"expires_at": utcnow()}})
    await database["exports.files"].update_one(
        {"_id": stored["file_id"]}, {"$set": {"uploadDate": utcnow() - timedelta(hours=25)}})
    assert (await org.gql(EXPORT_JOB, {"id": job["id"]}))["exportJob"] is None
    response = await org.http.get(job["downloadUrl"],
                                  headers={"Authorization": f"Bearer {org.keys[Role.OFFICE]}"})
    assert response.status_code == 404
    assert await sweep(database) == 1
    assert await database["exports.files"].count_documents({"_id": stored["file_id"]}) == 0
    assert await database["exports.chunks"].count_documents({"files_id": stored["file_id"]}) == 0
    indexes = await ExportJob.collection().index_information()
    assert any(spec.get("expireAfterSeconds") == 0 for spec in indexes.values())
