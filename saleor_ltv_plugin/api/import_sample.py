"""`POST imports/sample`: the first rows of a file as they are written, its encoding, delimiter and
(for order files) the format its header matches — what the Dashboard's import page shows before a
shop picks or builds a column mapping. Reads the head of the file only; stores nothing."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from ..auth import Scope
from ..ingest.formats import FORMATS, FileProblem, detect
from ..ingest.formats.base import FIELD_JA, FIELDS
from ..ingest.formats.mapping import REQUIRED
from ..ingest.formats.text import decode, read_table
from .body import declared_limit
from .imports import ERRORS, JOB_BODY_LIMIT, MAX_JOB_FILE_BYTES, _file_refused, _too_large
from .security import need

router = Router(tags=["imports"])
HEAD_BYTES = 1 * 2**20
SAMPLE_ROWS = 10


class MappingFieldOut(Schema):
    name: str
    ja: str = Field(..., description="The field's name in Japanese.")
    required: bool = Field(..., description="A mapping must name a column for it (created_at: or created_date).")


class SampleOut(Schema):
    encoding: str = Field(..., description="utf-8, utf-8-sig (with BOM) or cp932 (Shift_JIS).")
    delimiter: str
    header: list[str]
    rows: list[list[str]] = Field(..., description=f"The first {SAMPLE_ROWS} rows, cells in header order.")
    format: str = Field(..., description="The order format the header matches ('' for none: save a mapping).")
    format_label: str
    formats: dict[str, str] = Field(..., description="Every known order format: name → label.")
    mapping_fields: list[MappingFieldOut]


def head(data: bytes) -> bytes:
    """The first whole lines of at most HEAD_BYTES (a line feed never sits inside a UTF-8 or CP932 character)."""
    if len(data) <= HEAD_BYTES:
        return data
    cut = data.rfind(b"\n", 0, HEAD_BYTES)
    return data[:cut + 1] if cut > 0 else data[:HEAD_BYTES]


@router.post("imports/sample", response={200: SampleOut, **ERRORS}, summary="The first rows of a file, as written")
@declared_limit(JOB_BODY_LIMIT)
def sample(request: HttpRequest, file: UploadedFile = File(...)):
    """Decodes the head of the file (UTF-8 ±BOM or Shift_JIS, comma or tab) and answers its header
    and first rows, with the order format the header matches, if any; a file no format matches
    can be read through a saved column mapping (`imports/mappings`, fields in `mapping_fields`)."""
    need(request, Scope.INGEST)
    too_large = _too_large(file, MAX_JOB_FILE_BYTES)
    if too_large:
        return too_large
    data = head(file.read(HEAD_BYTES + 1))
    try:
        text, encoding = decode(data)
        table = read_table(text)
    except FileProblem as problem:
        return _file_refused(problem)
    fmt = detect(table.header)
    rows = [[cells.get(name, "") for name in table.header] for _, cells in table.rows[:SAMPLE_ROWS]]
    required = {*REQUIRED, "created_at"}
    return Status(200, {
        "encoding": encoding, "delimiter": "tab" if table.delimiter == "\t" else "comma", "header": table.header,
        "rows": rows, "format": fmt.name if fmt else "", "format_label": fmt.label if fmt else "",
        "formats": {name: f.label for name, f in FORMATS.items()},
        "mapping_fields": [{"name": name, "ja": FIELD_JA.get(name, name), "required": name in required}
                           for name in FIELDS],
    })
