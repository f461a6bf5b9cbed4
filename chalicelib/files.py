"""Files in and out of the API (CSV and Excel uploads; Excel and PDF downloads).

Services work on rows and bytes; this module alone knows content types, size limits and how a
binary reply crosses API Gateway. openpyxl is imported inside the functions that need it, so
a participant's request never pays for it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

from chalice import Response

from chalicelib.errors import ContestError, validation_error

CSV_TYPE = "text/csv"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_TYPE = "application/pdf"
# What API Gateway must pass as bytes (added to app.api.binary_types in app.py).
BINARY_TYPES = (XLSX_TYPE, PDF_TYPE)
# Declared on upload routes: the file is the body, as CSV or .xlsx (a browser may also send a
# file it does not know as octet-stream).
UPLOAD_CONTENT_TYPES = [CSV_TYPE, XLSX_TYPE, "application/octet-stream", "application/vnd.ms-excel"]
MAX_UPLOAD_BYTES = 4 * 1024 * 1024  # under API Gateway's 10 MB and Lambda's 6 MB payload
MAX_UPLOAD_ROWS = 60_000
# A Lambda reply is at most 6 MB and base64 adds a third: bigger files go through storage.
MAX_INLINE_BYTES = 4 * 1024 * 1024
VIETNAM = timezone(timedelta(hours=7))
XLSX_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class Upload:
    kind: str  # "csv" | "xlsx"
    data: bytes


def read_upload(request: Any) -> Upload:
    """The uploaded file of a request, refused with a clear 4xx when empty, too large or of a
    type we do not read. An .xlsx is recognised by its bytes too (a zip), whatever the header says."""
    raw = request.raw_body or b""
    if not raw.strip():
        raise validation_error("file", "chưa có tệp")
    if len(raw) > MAX_UPLOAD_BYTES:
        raise ContestError("REQUEST_TOO_LARGE", 413)
    media_type = (request.headers or {}).get("content-type", "").split(";")[0].strip().lower()
    if raw.startswith(XLSX_MAGIC):
        return Upload("xlsx", raw)
    if media_type in (CSV_TYPE, "application/octet-stream", "application/vnd.ms-excel", "text/plain"):
        return Upload("csv", raw)
    raise ContestError("UNSUPPORTED_FILE_TYPE", 415)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a CCCD or a phone typed as a number in Excel
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y")
    return str(value).strip()


def read_rows(upload: Upload) -> list[dict[str, str]]:
    """The data rows of the first sheet (or the CSV) as {column: text}, keyed by the header
    row's names (lower-cased, trimmed); every value is a trimmed string. Row numbers for error
    messages are the list index + 2 (the header is row 1)."""
    if upload.kind == "xlsx":
        table = _xlsx_table(upload.data)
    else:
        try:
            text = upload.data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise validation_error("file", "tệp CSV phải dùng mã UTF-8") from None
        sample = text[:4096]
        delimiter = ";" if sample.count(";") > sample.count(",") else ","
        table = [list(row) for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    if not table:
        raise validation_error("file", "tệp không có dòng tiêu đề")
    if len(table) > MAX_UPLOAD_ROWS + 1:
        raise validation_error("file", f"tệp có quá {MAX_UPLOAD_ROWS} dòng")
    header = [_cell_text(name).lower() for name in table[0]]
    rows = []
    for values in table[1:]:
        cells = [_cell_text(v) for v in values]
        if not any(cells):
            rows.append({})  # an empty line keeps its place, so row numbers stay those of the file
            continue
        rows.append({name: (cells[i] if i < len(cells) else "") for i, name in enumerate(header) if name})
    while rows and not rows[-1]:
        rows.pop()
    return rows


def _xlsx_table(data: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook  # heavy: only on the routes that read Excel

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged or foreign zip
        raise validation_error("file", "không đọc được tệp Excel (.xlsx)") from None
    try:
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


@dataclass
class Sheet:
    """One worksheet: Vietnamese headers, rows of plain values (datetime values are shown in
    Vietnam time), and column widths in characters (guessed from the content when omitted)."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]
    widths: Sequence[int] | None = None


def vietnam_time(epoch_ms: int | None) -> datetime | None:
    """An epoch-ms instant as a naive datetime in Vietnam time, as Excel shows dates."""
    if epoch_ms is None:
        return None
    return datetime.fromtimestamp(epoch_ms / 1000, VIETNAM).replace(tzinfo=None)


def build_xlsx(sheets: Sequence[Sheet]) -> bytes:
    """An .xlsx with a frozen, bold header row, column widths and dd/mm/yyyy hh:mm dates.
    Written in openpyxl's write-only mode so 100,000 rows stay within a Lambda's memory."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="F2DCDB")
    for sheet in sheets:
        ws = workbook.create_sheet(title=sheet.title[:31])
        ws.freeze_panes = "A2"
        widths = list(sheet.widths or [max(10, min(40, len(h) + 2)) for h in sheet.headers])
        for index, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(index)].width = width
        header_cells = []
        for title in sheet.headers:
            cell = WriteOnlyCell(ws, value=title)
            cell.font = bold
            cell.fill = fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            header_cells.append(cell)
        ws.append(header_cells)
        for row in sheet.rows:
            cells = []
            for value in row:
                if isinstance(value, datetime):
                    cell = WriteOnlyCell(ws, value=value)
                    cell.number_format = "dd/mm/yyyy hh:mm"
                    cells.append(cell)
                else:
                    cells.append(value)
            ws.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def file_response(data: bytes, content_type: str, filename: str) -> Response:
    """A download: the bytes, a Vietnamese file name that survives every browser, no caching."""
    ascii_name = filename.encode("ascii", "ignore").decode() or "tep"
    return Response(
        body=data,
        status_code=200,
        headers={
            "Content-Type": content_type,
            "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}",
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
