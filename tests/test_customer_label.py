"""The organization's word for customers ("Client") wherever a person reads it:
template headers, importFields, row errors and the error report; files headed
in either word import.
"""

import csv
import io

from documents.api_key import Role
from importers.fields import FIELDS, Entity, labelled_fields, relabel
from tests.conftest import Org
from tests.imports import csv_bytes, run_import
from tests.test_import_template import template


def test_relabel_keeps_case_plurals_and_the_data() -> None:
    assert relabel("Billing Customer", "Client") == "Billing Client"
    assert relabel("Customers", "Client") == "Clients"
    assert relabel("A customer cannot bill itself.", "Client") == "A client cannot bill itself."
    assert relabel("CUSTOMER", "Client") == "CLIENT"
    assert relabel("No customer named 'Customer ABC'.", "Client") == (
        "No client named 'Customer ABC'.")
    assert relabel("Customer ABC already has this site.", "Client", ["Customer ABC"]) == (
        "Customer ABC already has this site.")
    assert relabel("customerised", "Client") == "customerised"  # whole words only
    assert relabel("The customer", "NDIS Participant") == "The NDIS Participant"
    assert relabel("Billing Customer", "Customer") == "Billing Customer"


def test_labelled_fields_come_from_the_registry_and_keep_its_words() -> None:
    for entity in Entity:
        labelled = labelled_fields(entity, "Client")
        assert [f.key for f in labelled] == [f.key for f in FIELDS[entity]]
        for own, registry in zip(labelled, FIELDS[entity], strict=True):
            assert "customer" not in own.label.lower()
            assert registry.label == own.label or registry.label in own.aliases


async def _call_them_clients(org: Org) -> None:
    await org.mutate('mutation { settingsUpdate(input: {customerLabel: "Client"}) '
                     "{ settings { customerLabel } userErrors { code } } }", role=Role.ADMIN)


async def test_template_and_import_fields_say_client(org: Org) -> None:
    await _call_them_clients(org)
    workbook = await template(org)
    assert workbook["Clients"]["A1"].value == "Client Name"
    assert workbook["Contacts"]["A1"].value == "Client"
    assert workbook["Equipment"]["A1"].value == "Client"
    assert workbook["Sites"]["E1"].value == "Billing Client"
    instructions = " ".join(str(r[0].value) for r in workbook["Instructions"].iter_rows())
    assert "customer" not in instructions.lower()
    fields = (await org.gql("{ importFields(entity: CONTACTS) { key label description } }")
              )["importFields"]
    assert fields[0] == {"key": "customer", "label": "Client",
                         "description": "The client, by name (or give its Client Account "
                         "Number)."}
    sites = (await org.gql("{ importFields(entity: SITES) { key label } }"))["importFields"]
    assert {"key": "billing_customer", "label": "Billing Client"} in sites


async def test_headers_in_either_word_import_and_errors_say_client(org: Org) -> None:
    await _call_them_clients(org)
    await run_import(org, csv_bytes([["Client Name"], ["ABC"]]), "c.csv", entity="CUSTOMERS")
    for word in ("Client", "Customer"):
        job = await run_import(org, csv_bytes([[word, "First Name"], ["ABC", f"By {word}"],
                                               ["Customer XYZ", "Lost"]]),
                               f"{word}.csv", entity="CONTACTS")
        assert job["totals"]["created"] == 1, job
        (error,) = [e["node"] for e in job["rowErrors"]["edges"]]
        # The org's word in the message; the row's own value untouched.
        assert error["message"] == "No client named 'Customer XYZ'.", error
    sites = await run_import(org, csv_bytes([["Site Name", "Billing Client"], ["Plant", "ABC"]]),
                             "s.csv", entity="SITES")
    assert sites["totals"]["created"] == 1
    response = await org.http.get(f"/imports/{job['id']}/errors.csv",
                                  headers={"Authorization": f"Bearer {org.keys[Role.OFFICE]}"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert rows[0][-2:] == ["Errors", "Warnings"]
    assert rows[1][-2] == "Customer: No client named 'Customer XYZ'."
