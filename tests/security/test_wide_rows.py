"""The column limit holds on every row, not only the first."""

from tests.conftest import Org
from tests.imports import finished, upload
from tests.test_import_mapping import analyze

WIDE_LATER_ROW = (b"Customer Name,Email\r\nABC,abc@example.com\r\n"
                  + b",".join([b"XYZ"] + [b"x"] * 100_001) + b"\r\nDEF,def@example.com\r\n")


# Past the rows importFile reads before it answers (it reads the first 2,000).
WIDE_FAR_ROW = (b"Customer Name,Email\r\n"
                + b"".join(b"C%d,c%d@example.com\r\n" % (n, n) for n in range(2_100))
                + b",".join([b"XYZ"] + [b"x"] * 100_001) + b"\r\nDEF,def@example.com\r\n")


async def test_a_wide_row_is_refused_at_once_or_fails_the_job_before_any_write(
        org: Org) -> None:
    payload = await upload(org, WIDE_LATER_ROW, "wide.csv", entity="CUSTOMERS")
    assert payload["userErrors"][0]["code"] == "TOO_MANY_COLUMNS"
    assert "Row 3 has 100,002 columns" in payload["userErrors"][0]["message"]
    payload = await upload(org, WIDE_FAR_ROW, "wide.csv", entity="CUSTOMERS")
    assert payload["userErrors"] == []  # the rows it read are fine; it answers at once
    job = await finished(org, payload["job"]["id"])
    assert job["status"] == "FAILED", job
    assert "Row 2102 has 100,002 columns; at most 1,000 are read" in job["failureReason"]
    assert (await org.gql("{ customers { totalCount } }"))["customers"]["totalCount"] == 0
    assert job["rowErrors"]["edges"] == []


async def test_analysis_refuses_a_wide_later_row(org: Org) -> None:
    payload = await analyze(org, WIDE_LATER_ROW, "wide.csv", entity="CUSTOMERS")
    assert payload["analysis"] is None
    assert payload["userErrors"][0]["code"] == "TOO_MANY_COLUMNS"
    assert "Row 3 has 100,002 columns" in payload["userErrors"][0]["message"]
