"""Claims race: 100 workers claiming 10 queued jobs at once. Each job is taken
exactly once (its fencing token is 1), and no two claimers get the same job.
"""

import asyncio

from beanie import PydanticObjectId

from documents.import_job import ImportJob, ImportStatus
from documents.organization import Organization
from importers.worker import claim
from tests.conftest import Org


async def test_100_concurrent_claims_of_10_jobs_give_each_job_one_owner(org: Org) -> None:
    organization = await Organization.find_one({"slug": org.slug})
    assert organization is not None
    assert organization.id is not None
    jobs = [ImportJob(org_id=organization.id, entity="CUSTOMERS", file_id=PydanticObjectId(),
                      file_name=f"{n}.csv", format="CSV") for n in range(10)]
    await ImportJob.insert_many(jobs)
    claimed = await asyncio.gather(*(claim(f"racer-{n}") for n in range(100)))
    ours = [job for job in claimed if job is not None]
    assert len({job.id for job in ours}) == len(ours)
    stored = await ImportJob.find({"org_id": organization.id}).to_list()
    assert len(stored) == 10
    # The service's own worker may win a few of them; whoever won, nobody won twice.
    assert all(job.fencing_token == 1 for job in stored), [j.fencing_token for j in stored]
    assert all(job.status is not ImportStatus.QUEUED for job in stored)
    theirs = [job for job in stored if job.id not in {o.id for o in ours}]
    assert all(not (job.lease_owner or "").startswith("racer-") for job in theirs)
    assert len(ours) + len(theirs) == 10
