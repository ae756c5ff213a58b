"""A worker stopped (SIGSTOP) past its lease while another takes its job over:
when it wakes, the fencing token refuses its writes, it stops, and the job
ends with every row once and correct totals. Real processes.
"""

import signal
import subprocess
import time
from pathlib import Path

from tests.reliability.services import Database, Service
from tests.reliability.test_database_faults import (
    EVERY_ROW_ONCE,
    ROWS,
    billed_to_the_last,
    customers,
)
from tests.test_import_worker_crash import SITEBOOK


def test_a_worker_that_wakes_after_losing_its_lease_writes_nothing(tmp_path: Path) -> None:
    database = Database(tmp_path / "db")
    database.start()
    sitebook = Service(database.uri, "stopped", {"SITEBOOK_IMPORT_WORKERS": "0"})
    workers: list[subprocess.Popen[str]] = []
    try:
        sitebook.start()
        job_id = sitebook.upload(customers())
        worker_env = {**sitebook.env(), "SITEBOOK_IMPORT_LEASE_SECONDS": "3"}
        sleeper = subprocess.Popen([SITEBOOK, "worker"], env=worker_env, text=True,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        workers.append(sleeper)
        sitebook.wait_for(job_id, processed=1000)
        sleeper.send_signal(signal.SIGSTOP)
        stopped_at = sitebook.job(job_id)["progress"]["processedRows"]
        time.sleep(4)  # past the lease

        taker = subprocess.Popen([SITEBOOK, "worker"], env=worker_env, text=True,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        workers.append(taker)
        # The sleeper may hold a transaction open: the taker waits for the server
        # to abort it (60 s) before it can write those customers.
        sitebook.wait_for(job_id, processed=stopped_at + 2000, seconds=180)
        sleeper.send_signal(signal.SIGCONT)
        job = sitebook.wait_for(job_id)
        assert job["status"] == "SUCCEEDED", job
        assert job["totals"] == EVERY_ROW_ONCE
        assert sitebook.stored_customers() == (ROWS, ROWS)
        assert billed_to_the_last(sitebook)  # a link deferred before the takeover
        sleeper.send_signal(signal.SIGTERM)
        _, log = sleeper.communicate(timeout=60)
        assert "another worker holds it now" in log
    finally:
        for process in workers:
            if process.poll() is None:
                process.send_signal(signal.SIGCONT)
                process.kill()
                process.wait()
        sitebook.stop()
        database.kill()


def test_a_worker_asked_to_stop_leaves_its_job_for_another_at_once(tmp_path: Path) -> None:
    """SIGTERM (a deploy, a scale-down): the worker finishes the batch it is
    writing and exits without running the job to its end; the next worker
    takes the job over without waiting for the lease, from its checkpoint.
    """
    database = Database(tmp_path / "db")
    database.start()
    # A lease far longer than the test: a takeover can only come from the release.
    sitebook = Service(database.uri, "stopping", {"SITEBOOK_IMPORT_WORKERS": "0",
                                                  "SITEBOOK_IMPORT_LEASE_SECONDS": "600"})
    workers: list[subprocess.Popen[str]] = []
    try:
        sitebook.start()
        job_id = sitebook.upload(customers())
        first = subprocess.Popen([SITEBOOK, "worker"], env=sitebook.env(), text=True,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        workers.append(first)
        sitebook.wait_for(job_id, processed=1000)
        first.send_signal(signal.SIGTERM)
        _, log = first.communicate(timeout=60)
        assert first.returncode == 0, log
        assert "left for another worker at shutdown" in log
        left = sitebook.job(job_id)
        assert left["status"] == "RUNNING"
        assert left["progress"]["processedRows"] < ROWS

        second = subprocess.Popen([SITEBOOK, "worker"], env=sitebook.env(), text=True,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        workers.append(second)
        job = sitebook.wait_for(job_id, seconds=240)
        assert job["status"] == "SUCCEEDED", job
        assert job["totals"] == EVERY_ROW_ONCE
        assert sitebook.stored_customers() == (ROWS, ROWS)
        assert billed_to_the_last(sitebook)  # a link deferred before the takeover
    finally:
        for process in workers:
            if process.poll() is None:
                process.kill()
                process.wait()
        sitebook.stop()
        database.kill()
