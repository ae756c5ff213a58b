"""Hostile files, built in the test run (none is checked in): zip bombs, XML
entity tricks, cells and rows past Excel's limits, encrypted and macro
workbooks, broken text.
"""

import io
import random
import string
import struct
import zipfile
from pathlib import Path

from msoffcrypto.format.ooxml import OOXMLFile
from openpyxl import Workbook

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _replace_parts(data: bytes, parts: dict[str, bytes]) -> bytes:
    """The zip in `data` with some members replaced or added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            if entry.filename not in parts:
                target.writestr(entry, source.read(entry))
        for name, content in parts.items():
            target.writestr(name, content)
    return out.getvalue()


def zip_bomb_declared() -> bytes:
    """200 KB that declares and holds 200 MB of sheet XML."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx([["Name"], ["A"]]))) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            if entry.filename != "xl/worksheets/sheet1.xml":
                target.writestr(entry, source.read(entry))
        with target.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(b'<?xml version="1.0"?><worksheet><sheetData><row r="1">')
            for _ in range(200):
                sheet.write(b" " * (1024 * 1024))
            sheet.write(b"</row></sheetData></worksheet>")
    return out.getvalue()


def zip_bomb_lying() -> bytes:
    """A member that declares 1 KB but inflates to 50 MB: both of its headers lie."""
    name = b"xl/worksheets/sheet1.xml"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for other in ("[Content_Types].xml", "xl/workbook.xml"):
            target.writestr(other, "<x/>")
        target.writestr(name.decode(), b"<a>" + b"A" * 50_000_000 + b"</a>")
    data = bytearray(out.getvalue())
    # Uncompressed size: at 22 in a local header (PK 3 4), at 24 in a central one (PK 1 2),
    # whose names start at 30 and 46.
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        at = data.find(signature)
        while at != -1:
            if data[at + name_at:at + name_at + len(name)] == name:
                struct.pack_into("<I", data, at + size_at, 1024)
            at = data.find(signature, at + 1)
    return bytes(data)


LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
          + b"".join(b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;")
                                                  * 10) for n in range(1, 10))
          + b"]>\n")


def billion_laughs_xlsx() -> bytes:
    shared = (LAUGHS + b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
              b' count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>')
    return _replace_parts(xlsx([["Name"], ["A"]]), {"xl/sharedStrings.xml": shared})


def external_entity_xlsx() -> bytes:
    sheet = (b'<?xml version="1.0"?>\n<!DOCTYPE w [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
             b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row>'
             b"</sheetData></worksheet>")
    return _replace_parts(xlsx([["Name"], ["A"]]), {"xl/worksheets/sheet1.xml": sheet})


def _ods(content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        target.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        target.writestr("META-INF/manifest.xml", '<?xml version="1.0"?><manifest:manifest '
                        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
                        '<manifest:file-entry manifest:full-path="content.xml" '
                        'manifest:media-type="text/xml"/></manifest:manifest>')
        target.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def external_entity_ods() -> bytes:
    return _ods(b'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY xxe SYSTEM '
                b'"http://127.0.0.1:9/secret">]><office:document-content '
                b'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0">'
                b"<office:body>&xxe;</office:body></office:document-content>")


def _random_text(length: int, seed: int = 7) -> str:
    # Random letters: a zip cannot squeeze them, so the size check does not mask the cell check.
    letters = string.ascii_letters
    rng = random.Random(seed)  # noqa: S311 -- reproducible filler, not a secret
    return "".join(rng.choices(letters, k=length))


SST_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
SST_REL = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def with_shared_strings(strings: list[bytes]) -> bytes:
    """A workbook whose column A holds `strings` as shared strings (openpyxl
    writes inline strings, and cuts them at Excel's limit).
    """
    data = xlsx([[f"PLACEHOLDER{n}"] for n in range(len(strings))])
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        sheet = source.read("xl/worksheets/sheet1.xml")
        types = source.read("[Content_Types].xml")
        rels = source.read("xl/_rels/workbook.xml.rels")
    for n in range(len(strings)):
        sheet = sheet.replace(b'"inlineStr"><is><t>PLACEHOLDER%d</t></is>' % n,
                              b'"s"><v>%d</v>' % n)
    shared = (b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/'
              b'spreadsheetml/2006/main">' + b"".join(b"<si><t>%s</t></si>" % text
                                                      for text in strings) + b"</sst>")
    return _replace_parts(data, {
        "xl/worksheets/sheet1.xml": sheet,
        "xl/sharedStrings.xml": shared,
        "[Content_Types].xml": types.replace(
            b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="%s"/></Types>'
            % SST_TYPE),
        "xl/_rels/workbook.xml.rels": rels.replace(
            b"</Relationships>",
            b'<Relationship Type="%s" Target="sharedStrings.xml" Id="rId9"/></Relationships>'
            % SST_REL),
    })


def huge_shared_string_xlsx() -> bytes:
    return with_shared_strings([b"Name", _random_text(3_000_000).encode()])


def long_cell_csv() -> bytes:
    return b"Name\nShort\n" + _random_text(40_000).encode() + b"\n"


def single_line_csv(size: int) -> bytes:
    return b"a" * size


def wide_csv(columns: int = 100_000) -> bytes:
    return (",".join(f"c{n}" for n in range(columns)) + "\n").encode()


def nul_csv() -> bytes:
    return b"Name,Email\nA\x00B,a@x.example\n"


def late_nul_csv() -> bytes:
    return b"Name\n" + b"Someone\n" * 5_000 + b"Nul\x00Byte\n"


def invalid_utf8_csv() -> bytes:
    return b"Name\nCaf\xc3\x28\x81\x8d\x8f\x90\x9d\xff\xfe\n"


def xls_named_csv() -> bytes:
    return (FIXTURES / "customers.xls").read_bytes()


def password_xlsx() -> bytes:
    plain = io.BytesIO(xlsx([["Name"], ["Secret"]]))
    encrypted = io.BytesIO()
    office = OOXMLFile(plain)
    office.encrypt("hunter2", encrypted)
    return encrypted.getvalue()


def macro_xlsm() -> bytes:
    data = xlsx([["Name"], ["Macro Co"]])
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        types = source.read("[Content_Types].xml").replace(
            b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
    return _replace_parts(data, {"[Content_Types].xml": types,
                                 "xl/vbaProject.bin": b"Attribute VB_Name = \"Evil\"\r\n"
                                 b"Sub Auto_Open()\r\nShell \"touch /tmp/pwned\"\r\nEnd Sub\r\n"})
