"""A streaming XLSX writer: each sheet's XML goes straight into the zip as its
rows come, so memory stays flat whatever the number of rows, and a cell costs
a few string operations (openpyxl's write-only mode spends about ten times
more on each cell, which made it most of an export's time).

It writes what exports need and no more: sheets (hidden ones too), column
widths, a frozen header row, a small fixed set of styles (bold headers, a
title, a date format and money formats), header comments and drop-down
validations (both serialized by openpyxl, which the template uses too). Text
is written as inline strings (no shared string table to hold in memory), never
as a formula: a cell is a formula only when written as one, and nothing here
writes one. Characters XML cannot hold are left out (documents.text.xml_safe).
"""

import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import IntEnum
from typing import IO, cast
from xml.sax.saxutils import escape, quoteattr

from openpyxl.comments.comment_sheet import CommentRecord, CommentSheet
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation, DataValidationList
from openpyxl.xml.functions import tostring

from documents.text import xml_safe

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# Rows are gathered into chunks of about this many characters before they are
# compressed: few calls into zlib, and little held at once.
_CHUNK = 1 << 16
# Excel's day 0 (its 1900 leap-year bug makes the days before March 1900 one off).
_EPOCH = date(1899, 12, 30)
_ORDINAL_EPOCH = _EPOCH.toordinal()
_LEAP_BUG_DAYS = 60  # up to 1900-02-28 (Excel counts a 29 February 1900 that never was)


class Style(IntEnum):
    """The cell formats every workbook written here has (styles.xml's cellXfs)."""

    DEFAULT = 0
    HEADER = 1  # bold
    TITLE = 2  # bold, 14 pt
    DATE = 3  # yyyy-mm-dd
    MONEY_0 = 4  # #,##0
    MONEY_2 = 5  # #,##0.00
    MONEY_3 = 6  # #,##0.000


MONEY_STYLES = {0: Style.MONEY_0, 2: Style.MONEY_2, 3: Style.MONEY_3}

_STYLES = (
    f'{_DECLARATION}<styleSheet xmlns="{MAIN_NS}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="#,##0.000"/></numFmts>'
    '<fonts count="3">'
    '<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="14"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    '</cellStyleXfs>'
    '<cellXfs count="7">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="3" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '</cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>')


@dataclass(frozen=True)
class Styled:
    """A number (or text) written with one of the Style formats."""

    value: float | int | str
    style: Style


Cell = str | float | int | date | Styled | None


def excel_day(day: date) -> int:
    """`day` as Excel's serial day number (the 1900 date system)."""
    days = day.toordinal() - _ORDINAL_EPOCH
    return days - 1 if 0 < days <= _LEAP_BUG_DAYS else days


def _text_cell(ref: str, text: str, style: int = 0) -> str:
    if not text:
        return ""
    if "&" in text or "<" in text or ">" in text:
        text = escape(text)
    styled = f' s="{style}"' if style else ""
    if text[0].isspace() or text[-1].isspace():
        return f'<c r="{ref}"{styled} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
    return f'<c r="{ref}"{styled} t="inlineStr"><is><t>{text}</t></is></c>'


@dataclass
class _Sheet:
    title: str
    hidden: bool
    number: int  # sheetN.xml
    comments: list[tuple[str, str]] = field(default_factory=list)  # (cell, text)


class XlsxStream:
    """One workbook, written to `out` a sheet at a time: begin_sheet, rows,
    end_sheet, then close.
    """

    def __init__(self, out: IO[bytes], compresslevel: int = 1) -> None:
        # Level 1 deflates XML about three times faster than the default for
        # files a few percent bigger.
        self._zip = zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel)
        self._sheets: list[_Sheet] = []
        self._part: IO[bytes] | None = None
        self._letters: list[str] = []
        self._row = 0
        self._chunk: list[str] = []
        self._size = 0

    def begin_sheet(self, title: str, widths: Sequence[float] = (), freeze_header: bool = False,
                    hidden: bool = False) -> None:
        assert self._part is None, "end the sheet being written first"
        sheet = _Sheet(title, hidden, len(self._sheets) + 1)
        self._sheets.append(sheet)
        self._part = self._zip.open(f"xl/worksheets/sheet{sheet.number}.xml", "w")
        self._row = 0
        head = [_DECLARATION, f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">']
        if freeze_header:
            head.append('<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" '
                        'topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
                        '</sheetView></sheetViews>')
        else:
            head.append('<sheetViews><sheetView workbookViewId="0"/></sheetViews>')
        head.append('<sheetFormatPr defaultRowHeight="15"/>')
        if widths:
            head.append("<cols>")
            head += [f'<col min="{n}" max="{n}" width="{w}" customWidth="1"/>'
                     for n, w in enumerate(widths, start=1)]
            head.append("</cols>")
        head.append("<sheetData>")
        self._write("".join(head))

    def _column(self, index: int) -> str:
        while len(self._letters) <= index:
            self._letters.append(get_column_letter(len(self._letters) + 1))
        return self._letters[index]

    def row(self, cells: Sequence[Cell], style: Style = Style.DEFAULT) -> None:
        """The next row; `style` for its text cells (a header's bold)."""
        self._row += 1
        number = str(self._row)
        if len(self._letters) < len(cells):
            self._column(len(cells) - 1)
        letters = self._letters
        parts = [f'<row r="{number}">']
        text_style = f' s="{style.value}"' if style else ""
        for index, value in enumerate(cells):
            if value is None:
                continue
            kind = type(value)
            ref = letters[index] + number
            if kind is str:  # most cells: _text_cell, inlined
                if not value:
                    continue
                if "&" in value or "<" in value or ">" in value:  # type: ignore[operator]
                    value = escape(value)  # type: ignore[arg-type]
                if value[0].isspace() or value[-1].isspace():  # type: ignore[index]
                    parts.append(f'<c r="{ref}"{text_style} t="inlineStr"><is>'
                                 f'<t xml:space="preserve">{value}</t></is></c>')
                else:
                    parts.append(f'<c r="{ref}"{text_style} t="inlineStr"><is><t>{value}</t>'
                                 "</is></c>")
            elif kind is float or kind is int:
                parts.append(f'<c r="{ref}"><v>{value!r}</v></c>')
            elif kind is Styled:
                parts.append(self._styled(ref, value))  # type: ignore[arg-type]
            elif kind is bool:
                parts.append(f'<c r="{ref}" t="b"><v>{int(value)}</v></c>')  # type: ignore[arg-type]
            elif isinstance(value, date):
                day = value.date() if isinstance(value, datetime) else value
                parts.append(f'<c r="{ref}" s="{Style.DATE.value}"><v>{excel_day(day)}</v></c>')
            else:
                raise TypeError(f"no cell for {kind.__name__}")
        parts.append("</row>")
        self._write("".join(parts))

    @staticmethod
    def _styled(ref: str, cell: Styled) -> str:
        if isinstance(cell.value, str):
            return _text_cell(ref, cell.value, cell.style.value)
        return f'<c r="{ref}" s="{cell.style.value}"><v>{cell.value!r}</v></c>'

    def comment(self, column: int, text: str) -> None:
        """A note on the header cell of `column` (0-based) of the sheet being written."""
        self._sheets[-1].comments.append((f"{self._column(column)}1", xml_safe(text)))

    def _write(self, text: str) -> None:
        self._chunk.append(text)
        self._size += len(text)
        if self._size >= _CHUNK:
            self._flush()

    def _flush(self) -> None:
        assert self._part is not None
        # Characters XML cannot hold come only from text (never from markup):
        # one pass over the chunk takes them out of every cell at once.
        self._part.write(xml_safe("".join(self._chunk)).encode())
        self._chunk.clear()
        self._size = 0

    def end_sheet(self, validations: Sequence[DataValidation] = ()) -> None:
        sheet = self._sheets[-1]
        self._write("</sheetData>")
        if validations:
            tree = DataValidationList(dataValidation=list(validations)).to_tree()
            self._write(cast(bytes, tostring(tree)).decode())  # (typed str, returns bytes)
        if sheet.comments:
            self._write('<legacyDrawing r:id="anysvml"/>')
        self._write("</worksheet>")
        self._flush()
        assert self._part is not None
        self._part.close()
        self._part = None
        if sheet.comments:
            self._write_comments(sheet)

    def _write_comments(self, sheet: _Sheet) -> None:
        records = []
        for ref, text in sheet.comments:
            record = CommentRecord(ref=ref, author="sitebook")
            record.text.t = text
            records.append(record)
        comments = CommentSheet.from_comments(records)  # type: ignore[no-untyped-call]
        number = sheet.number
        self._zip.writestr(f"xl/comments/comment{number}.xml", tostring(comments.to_tree()))
        self._zip.writestr(f"xl/drawings/commentsDrawing{number}.vml", comments.write_shapes())
        self._zip.writestr(f"xl/worksheets/_rels/sheet{number}.xml.rels", (
            f'{_DECLARATION}<Relationships xmlns="{_PACKAGE_RELS}">'
            f'<Relationship Id="anysvml" Type="{REL_NS}/vmlDrawing" '
            f'Target="/xl/drawings/commentsDrawing{number}.vml"/>'
            f'<Relationship Id="comments" Type="{REL_NS}/comments" '
            f'Target="/xl/comments/comment{number}.xml"/></Relationships>'))

    def close(self) -> None:
        """Writes the workbook's parts that name its sheets, and the zip's directory."""
        assert self._part is None, "end the sheet being written first"
        sheets = self._sheets
        first_visible = next((i for i, s in enumerate(sheets) if not s.hidden), 0)
        entries = "".join(
            f'<sheet name={quoteattr(xml_safe(s.title))} sheetId="{s.number}"'
            f'{" state=" + chr(34) + "hidden" + chr(34) if s.hidden else ""} '
            f'r:id="rId{s.number}"/>' for s in sheets)
        self._zip.writestr("xl/workbook.xml", (
            f'{_DECLARATION}<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
            f'<bookViews><workbookView activeTab="{first_visible}"/></bookViews>'
            f"<sheets>{entries}</sheets></workbook>"))
        styles_id = len(sheets) + 1
        relations = "".join(
            f'<Relationship Id="rId{s.number}" Type="{REL_NS}/worksheet" '
            f'Target="worksheets/sheet{s.number}.xml"/>' for s in sheets)
        self._zip.writestr("xl/_rels/workbook.xml.rels", (
            f'{_DECLARATION}<Relationships xmlns="{_PACKAGE_RELS}">{relations}'
            f'<Relationship Id="rId{styles_id}" Type="{REL_NS}/styles" Target="styles.xml"/>'
            "</Relationships>"))
        self._zip.writestr("xl/styles.xml", _STYLES)
        self._zip.writestr("_rels/.rels", (
            f'{_DECLARATION}<Relationships xmlns="{_PACKAGE_RELS}">'
            f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"))
        self._zip.writestr("[Content_Types].xml", _content_types(sheets))
        self._zip.close()


def _content_types(sheets: list[_Sheet]) -> str:
    office = "application/vnd.openxmlformats-officedocument"
    parts = [f'<Override PartName="/xl/worksheets/sheet{s.number}.xml" '
             f'ContentType="{office}.spreadsheetml.worksheet+xml"/>' for s in sheets]
    parts += [f'<Override PartName="/xl/comments/comment{s.number}.xml" '
              f'ContentType="{office}.spreadsheetml.comments+xml"/>'
              for s in sheets if s.comments]
    return (
        f'{_DECLARATION}<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Default Extension="vml" ContentType="{office}.vmlDrawing"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{office}.spreadsheetml.sheet.main'
        '+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{office}.spreadsheetml.styles+xml"/>'
        f'{"".join(parts)}</Types>')
