"""Customer and product list files: the same decoding and table reading as order files (text.py),
columns recognised by their English or Japanese names; unknown columns are kept as free attributes.

    read_records(data, columns, required_any, kind) → Records

`columns` maps a field to the header names it goes by. Cells are returned as written (cleaned
of surrounding space); the caller converts and validates them, naming the line and the field.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .text import FileProblem, decode, read_table
from .values import clean

MAX_ATTRIBUTES = 50


@dataclass
class Records:
    encoding: str
    delimiter: str
    header: list[str]
    fields: dict[str, str]  # field → the header name it was found under
    rows: list[tuple[int, dict[str, str], dict[str, str]]] = field(default_factory=list)  # (line, fields, extra)
    ragged: list[int] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return len(self.rows) + len(self.ragged)


def _key(name: str) -> str:
    return clean(name).casefold().replace(" ", "").replace("_", "").replace("-", "")


def read_records(data: bytes, columns: dict[str, tuple[str, ...]], required_any: tuple[str, ...],
                 kind_en: str, kind_ja: str) -> Records:
    """Raises FileProblem when the header names none of `required_any` or the file cannot be read."""
    text, encoding = decode(data)
    table = read_table(text)
    names = {_key(alias): name for name, aliases in columns.items() for alias in (name, *aliases)}
    found: dict[str, str] = {}
    extra: list[str] = []
    for column in table.header:
        name = names.get(_key(column))
        if name and name not in found:
            found[name] = column
        elif column and not name:
            extra.append(column)
    if not any(name in found for name in required_any):
        wanted = ", ".join(f"{name} ({'/'.join(columns[name][:2])})" for name in required_any)
        raise FileProblem(1, f"not a {kind_en} file: the header names none of {wanted}",
                          f"{kind_ja}のファイルではありません(見出し行に {wanted} のいずれかが必要です)")
    if len(extra) > MAX_ATTRIBUTES:
        raise FileProblem(1, f"at most {MAX_ATTRIBUTES} columns beyond the known ones",
                          f"既知の項目以外の列は {MAX_ATTRIBUTES} 列までです")
    records = Records(encoding, "tab" if table.delimiter == "\t" else "comma", table.header, found)
    for line, cells in table.rows:
        values = {name: (cells.get(column) or "").strip() for name, column in found.items()}
        attributes = {column: cells[column].strip() for column in extra if (cells.get(column) or "").strip()}
        records.rows.append((line, values, attributes))
    records.ragged = [line for line, _ in table.ragged]
    return records
