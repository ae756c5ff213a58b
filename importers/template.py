"""The standard import template: an Instructions sheet and a sheet per entity,
with the field registry's columns and drop-down lists of the org's lookups.
"""

import io
import re

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from documents.text import xml_safe
from importers.fields import CUSTOM_HEADER, Entity, Field, FieldType, labelled_fields, relabel
from importers.rows import neutralize

# Sheets in the order they are imported: product lines name their product, and
# product lines, sites, contacts and equipment name their customer.
SHEET_ORDER = (Entity.CUSTOMERS, Entity.PRODUCTS, Entity.PRODUCT_LINES, Entity.SITES,
               Entity.CONTACTS, Entity.EQUIPMENT)
_TITLES = {Entity.PRODUCTS: "Products", Entity.PRODUCT_LINES: "Product Lines",
           Entity.SITES: "Sites", Entity.CONTACTS: "Contacts", Entity.EQUIPMENT: "Equipment"}


def plural(label: str) -> str:
    return label if label.endswith("s") else label + "s"


def excel_title(text: str) -> str:
    """`text` as Excel allows a sheet title: 31 characters, none of []:*?/\\ (a label
    stored before settings checked it must not break the template).
    """
    return re.sub(r"[\[\]:*?/\\]", " ", xml_safe(text))[:31].strip() or "Customers"


def sheet_titles(entity: Entity, customer_label: str) -> list[str]:
    """Sheet names that hold `entity`; the first is the template's own."""
    if entity is Entity.CUSTOMERS:
        return list(dict.fromkeys(excel_title(t) for t in [
            plural(customer_label), customer_label, "Customers", "Customer", "Clients", "Client"]))
    return [_TITLES[entity]]


def entity_of_sheet(name: str, customer_label: str) -> Entity | None:
    folded = name.strip().casefold()
    for entity in SHEET_ORDER:
        if folded in {t.casefold() for t in sheet_titles(entity, customer_label)}:
            return entity
    return None


def instruction_lines(customer_label: str) -> list[str]:
    """The Instructions sheet, in the organization's word for customers: how to
    fill the workbook, and every sheet's columns.
    """
    customers_title = plural(customer_label)
    lines = [
        f"How to import {customers_title.lower()}, products, product lines, sites, contacts "
        "and equipment",
        "",
        f"1. Fill in the sheets you need, one row per {customer_label.lower()}, product, "
        "product line, site, contact or equipment item; leave out columns that do not apply.",
        f"2. The {customer_label.lower()} name is the unique identifier: a row with a name "
        "that exists updates it (empty cells never erase anything).",
        "3. Sites, contacts and equipment name their billing customer or customer by name; "
        f"the {customers_title} sheet is imported first, so it can add them in the same file. "
        "Product lines name their product by Import ID (the Products sheet comes before them) "
        f"and their {customer_label.lower()} by name (created when missing).",
        "4. Import the file with entity TEMPLATE. The results list every row that failed, "
        "with its sheet, row, column and reason.",
        f"5. Custom fields: a column headed '{CUSTOM_HEADER}<name>' (e.g. "
        f"'{CUSTOM_HEADER}Gate Code') on the {customers_title} sheet keeps its values as that "
        f"custom field of each {customer_label.lower()}; exports write them so.",
        "",
        "Columns (* required):",
    ]
    for entity in SHEET_ORDER:
        title = sheet_titles(entity, customer_label)[0]
        lines.append("")
        lines.append(title)
        for target in labelled_fields(entity, customer_label):
            required = " *" if target.required else ""
            detail = f": {target.description}" if target.description else ""
            lines.append(f"  {target.label}{required}{detail}")
    return [relabel(line, customer_label) for line in lines]


LISTS_SHEET = "Lists"


def list_columns(lists: dict[str, list[str]]) -> tuple[list[list[str | None]], dict[str, str]]:
    """The hidden Lists sheet's rows (a column per lookup), and each non-empty
    list's cell range, by field key, for drop-downs. The names are users' text:
    data, never formulas; and a name stored before text was cleaned must not
    break the workbook.
    """
    keys = sorted(lists)
    rows: list[list[str | None]] = [list(keys)]
    for row in range(max((len(lists[k]) for k in keys), default=0)):
        rows.append([neutralize(xml_safe(lists[k][row])) if row < len(lists[k]) else None
                     for k in keys])
    ranges: dict[str, str] = {}
    for index, key in enumerate(keys, start=1):
        letter = get_column_letter(index)
        if lists[key]:
            ranges[key] = (f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}$"
                           f"{len(lists[key]) + 1}")
    return rows, ranges


def column_validation(target: Field, column: int,
                      ranges: dict[str, str]) -> DataValidation | None:
    """The drop-down list of a template column, if it has one."""
    cells = f"{get_column_letter(column)}2:{get_column_letter(column)}1048576"
    if target.key in ranges:
        validation = DataValidation(type="list", formula1=ranges[target.key], allow_blank=True)
    elif target.type is FieldType.BOOLEAN:
        validation = DataValidation(type="list", formula1='"Yes,No"', allow_blank=True)
    else:
        return None
    # Customer types and lead sources may be new, and products may come from
    # this workbook's Products sheet: warn, do not refuse.
    validation.errorStyle = "warning" if target.key in (
        "customer_type", "lead_source", "product") else "stop"
    validation.add(cells)
    return validation


def column_width(target: Field) -> int:
    return max(14, len(target.label) + 4)


def build_template(customer_label: str, lists: dict[str, list[str]]) -> bytes:
    """`lists`: the org's current names for each lookup field (customer_type, ...)."""
    customer_label = xml_safe(customer_label)  # stored before settings cleaned it
    workbook = Workbook()
    instructions = workbook.active
    assert instructions is not None
    instructions.title = "Instructions"
    for line in instruction_lines(customer_label):
        instructions.append([neutralize(line)])  # the label is the org's own text
    instructions["A1"].font = Font(bold=True, size=14)
    instructions.column_dimensions["A"].width = 110

    values = workbook.create_sheet(LISTS_SHEET)
    rows, ranges = list_columns(lists)
    for row in rows:
        values.append(row)
    values.sheet_state = "hidden"

    for entity in SHEET_ORDER:
        sheet = workbook.create_sheet(sheet_titles(entity, customer_label)[0],
                                      index=len(workbook.sheetnames) - 1)
        for column, target in enumerate(labelled_fields(entity, customer_label), start=1):
            # The label holds the org's own word: a header is data, never a formula.
            cell = sheet.cell(row=1, column=column, value=neutralize(target.label))
            cell.font = Font(bold=True)
            if target.description:
                cell.comment = Comment(target.description, "sitebook")
            sheet.column_dimensions[get_column_letter(column)].width = column_width(target)
            validation = column_validation(target, column, ranges)
            if validation is not None:
                sheet.add_data_validation(validation)
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
