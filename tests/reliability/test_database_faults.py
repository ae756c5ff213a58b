"""The database misbehaves during an import, with real processes: SecantusDB
started with --enable-test-commands (for MongoDB's failCommand failpoint), and
`sitebook serve` running its import worker against it.
"""

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pymongo import MongoClient

from tests.imports import csv_bytes
from tests.reliability.services import Database, Service

ROWS = 6_000
EVERY_ROW_ONCE = {"rows": ROWS, "created": ROWS, "updated": 0, "unchanged": 0, "failed": 0}
RESUME = ("mutation($id: ID!) { importResume(id: $id) { job { status } "
          "userErrors { code message } } }")


def customers() -> bytes:
    """ROWS customers; the first is billed to the last, a link that waits for the
    end of the file (and so must outlive a failure and a resume).
    """
    last = f"Customer {ROWS - 1:05d}"
    return csv_bytes([["Customer Name", "Email", "Billing Customer"],
                      *[[f"Customer {n:05d}", f"c{n}@x.example", last if n == 0 else ""]
                        for n in range(ROWS)]])


def billed_to_the_last(sitebook: Service) -> bool:
    with MongoClient(sitebook.database_uri) as client:
        customers = client[sitebook.name]["customers"]
        first = customers.find_one({"name_key": "customer 00000"})
        last = customers.find_one({"name_key": f"customer {ROWS - 1:05d}"})
    assert first is not None
    assert last is not None
    return bool((first.get("billing") or {}).get("billing_customer_id") == last["_id"])


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    db = Database(tmp_path / "db")
    db.start()
    yield db
    if db.process is not None and db.process.poll() is None:
        db.kill()


@contextlib.contextmanager
def service(database: Database, name: str, **settings: str) -> Iterator[Service]:
    running = Service(database.uri, name, settings)
    running.start()
    try:
        yield running
    finally:
        running.stop()


def test_dropped_connections_and_failed_writes_mid_batch_are_retried(
        database: Database) -> None:
    with service(database, "dropped") as sitebook:
        job_id = sitebook.upload(customers())
        sitebook.wait_for(job_id, processed=1000)
        # The connection drops under a batch's inserts, then under its commit (twice:
        # the driver retries a commit once by itself), then a write conflicts.
        database.fail({"times": 2}, failCommands=["insert"], closeConnection=True)
        sitebook.wait_for(job_id, processed=sitebook.job(job_id)["progress"]["processedRows"]
                          + 1000)
        database.fail({"times": 2}, failCommands=["commitTransaction"], closeConnection=True)
        sitebook.wait_for(job_id, processed=sitebook.job(job_id)["progress"]["processedRows"]
                          + 1000)
        database.fail({"times": 2}, failCommands=["insert"], errorCode=112,
                      errorLabels=["TransientTransactionError"])
        job = sitebook.wait_for(job_id)
        assert job["status"] == "SUCCEEDED", job
        assert job["totals"] == EVERY_ROW_ONCE
        assert sitebook.stored_customers() == (ROWS, ROWS)


def test_a_database_that_keeps_failing_fails_the_job_clearly_and_it_resumes(
        database: Database) -> None:
    with service(database, "down", SITEBOOK_IMPORT_PATIENCE_SECONDS="5") as sitebook:
        job_id = sitebook.upload(customers())
        sitebook.wait_for(job_id, processed=1000)
        database.fail("alwaysOn", failCommands=["insert"], closeConnection=True)
        failed = sitebook.wait_for(job_id)
        assert failed["status"] == "FAILED", failed
        assert "for 5 seconds" in failed["failureReason"]
        assert "resume the import" in failed["failureReason"]
        done_before = failed["totals"]["created"]
        assert 0 < done_before < ROWS
        assert sitebook.stored_customers()[0] == done_before

        database.fail("off")
        resumed = sitebook.graphql(RESUME, {"id": job_id})["importResume"]
        assert resumed == {"job": {"status": "QUEUED"}, "userErrors": []}
        job = sitebook.wait_for(job_id)
        assert job["status"] == "SUCCEEDED", job
        assert job["totals"] == EVERY_ROW_ONCE
        assert sitebook.stored_customers() == (ROWS, ROWS)
        assert billed_to_the_last(sitebook)
        again = sitebook.graphql(RESUME, {"id": job_id})["importResume"]
        assert again["userErrors"][0]["message"] == (
            "Only a failed import can be resumed; this one is SUCCEEDED.")


def test_a_killed_database_is_waited_for_and_the_import_completes(
        database: Database) -> None:
    with service(database, "killed") as sitebook:
        job_id = sitebook.upload(customers())
        sitebook.wait_for(job_id, processed=1000)
        database.kill()
        not_ready = httpx.get(f"http://127.0.0.1:{sitebook.port}/readyz", timeout=30)
        assert not_ready.status_code == 503
        assert not_ready.json() == {"status": "database unavailable"}
        time.sleep(3)  # the worker meets a dead database for a while
        database.start()  # same port, same files
        deadline = time.monotonic() + 60
        while not sitebook.ready():
            assert time.monotonic() < deadline, "the service did not see the database return"
            time.sleep(0.2)
        job = sitebook.wait_for(job_id)
        assert job["status"] == "SUCCEEDED", job
        assert job["totals"] == EVERY_ROW_ONCE
        assert sitebook.stored_customers() == (ROWS, ROWS)
