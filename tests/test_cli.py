"""The `sitebook` command line, run as a user runs it: a separate process
talking to the test database.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.auth import InvalidSlug, create_org, slug_problem
from app.cli import ImportExit, RoleName
from documents.api_key import Role
from importers.fields import Entity
from tests.conftest import TEST_DATABASE, Org
from tests.imports import csv_bytes


def sitebook(*args: str, uri: str | None = None,
             **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "SITEBOOK_DATABASE": TEST_DATABASE, **env}
    if uri is not None:
        environment["MONGODB_URI"] = uri
    return subprocess.run([sys.executable, "-m", "app.cli", *args], capture_output=True,
                          text=True, env=environment, timeout=300, check=False)


def test_the_cli_spells_every_role() -> None:
    assert [r.value for r in RoleName] == [r.value for r in Role]


def test_import_help_lists_every_entity() -> None:
    done = sitebook("import", "--help", COLUMNS="200")
    assert done.returncode == 0, done.stderr
    for entity in Entity:
        assert entity.value in done.stdout


def test_slugs_are_checked() -> None:
    assert slug_problem("acme-plumbing") is None
    assert slug_problem("a1") is None
    for bad in ("Acme", "acme plumbing", "-acme", "acme-", "acme--x", "", "a" * 40, "acme/x"):
        assert slug_problem(bad) is not None, bad
    done = sitebook("org", "create", "Acme Plumbing")
    assert done.returncode == 1
    assert "'acme-plumbing'" in done.stderr


async def test_create_org_refuses_a_bad_slug() -> None:
    with pytest.raises(InvalidSlug):
        await create_org("Not A Slug")


async def test_import_exit_codes(org: Org, mongodb_uri: str, tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes([["Customer Name", "Email"], ["ABC", "abc@example.com"]]))
    done = sitebook("import", str(good), "--org", org.slug, "--entity", "customers",
                    uri=mongodb_uri)
    assert done.returncode == ImportExit.ALL_ROWS_IMPORTED == 0, done.stderr
    assert "SUCCEEDED: 1 rows, 1 created" in done.stdout

    some_bad = tmp_path / "some-bad.csv"
    some_bad.write_bytes(csv_bytes([["Customer Name", "Email"], ["XYZ", "xyz@example.com"],
                                    ["Bad", "not an email"]]))
    done = sitebook("import", str(some_bad), "--org", org.slug, "--entity", "Customers",
                    uri=mongodb_uri)
    assert done.returncode == ImportExit.ROWS_FAILED, done.stdout + done.stderr
    assert "1 failed" in done.stdout

    too_long = tmp_path / "too-long.csv"
    too_long.write_bytes(csv_bytes([["Customer Name"], ["A"], ["B"]]))
    done = sitebook("import", str(too_long), "--org", org.slug, "--entity", "CUSTOMERS",
                    uri=mongodb_uri, SITEBOOK_MAX_IMPORT_ROWS="1")
    assert done.returncode == ImportExit.JOB_FAILED, done.stdout + done.stderr
    assert done.stdout.startswith("FAILED")

    not_a_sheet = tmp_path / "x.csv"
    not_a_sheet.write_bytes(b"\x00\x01\x02")
    done = sitebook("import", str(not_a_sheet), "--org", org.slug, "--entity", "sites",
                    uri=mongodb_uri)
    assert done.returncode == ImportExit.NOT_STARTED, done.stdout + done.stderr
    assert len({e.value for e in ImportExit}) == len(ImportExit)
