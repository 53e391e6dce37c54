"""Bytes of an order file → a table of rows with their line numbers.

Encodings: UTF-8 with or without BOM, else Shift_JIS as Windows writes it (CP932, a superset
with the NEC/IBM extensions: ①, ㈱, 髙 …) — the two that Japanese malls and Excel produce.
Delimiter: tab or comma, by which one the header line holds more of.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field

ENCODINGS = ("auto", "utf-8", "cp932")
DELIMITERS = {"auto": None, "comma": ",", "tab": "\t"}


class FileProblem(ValueError):
    """The whole file cannot be read: nothing of it is stored."""

    def __init__(self, line: int, en: str, ja: str):
        super().__init__(f"line {line}: {en}")
        self.line, self.en, self.ja = line, en, ja


@dataclass
class Table:
    encoding: str
    delimiter: str
    header: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # (line the record starts on, cells)
    # Records whose field count differs from the header's: (line, cells as read).
    ragged: list[tuple[int, list[str]]] = field(default_factory=list)


def decode(data: bytes, encoding: str = "auto") -> tuple[str, str]:
    """(text, encoding found). A BOM wins; otherwise UTF-8 if it decodes, else CP932."""
    if encoding not in ENCODINGS:
        raise FileProblem(1, f"unknown encoding {encoding!r}; use one of {', '.join(ENCODINGS)}",
                          f"文字コード {encoding!r} は使えません({', '.join(ENCODINGS)} のいずれか)")
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="strict"), "utf-8-sig"
    tried = ("utf-8", "cp932") if encoding == "auto" else (encoding,)
    for name in tried:
        try:
            return data.decode(name), name
        except UnicodeDecodeError as exc:
            failure = exc
    line = data[: failure.start].count(b"\n") + 1
    raise FileProblem(line, "the file is neither UTF-8 nor Shift_JIS (CP932) text",
                      "ファイルが UTF-8 でも Shift_JIS(CP932)でもありません")


def read_table(text: str, delimiter: str = "auto") -> Table:
    """The rows under the header; a record with too many or too few fields is kept apart (ragged)."""
    if delimiter not in DELIMITERS:
        raise FileProblem(1, f"unknown delimiter {delimiter!r}; use auto, comma or tab",
                          f"区切り文字 {delimiter!r} は使えません(auto、comma、tab のいずれか)")
    first = text.split("\n", 1)[0]
    sep = DELIMITERS[delimiter] or ("\t" if first.count("\t") > first.count(",") else ",")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
    header = [name.strip() for name in _next(reader, 1) or []]
    if not any(header):
        raise FileProblem(1, "the file is empty; the first line must name the columns",
                          "ファイルが空です。1 行目に項目名が必要です")
    table = Table("", sep, header)
    width, distinct = len(header), len(set(header)) == len(header)
    while True:
        line = reader.line_num + 1
        record = _next(reader, line)
        if record is None:
            return table
        if not any(cell.strip() for cell in record):  # a blank line (or a row of empty cells)
            continue
        if len(record) != width:
            table.ragged.append((line, record))
            continue
        if distinct:
            table.rows.append((line, dict(zip(header, record))))
            continue
        cells: dict[str, str] = {}
        for name, value in zip(header, record):
            cells.setdefault(name, value)  # a repeated column name: the first one counts
        table.rows.append((line, cells))


def _next(reader, line: int) -> list[str] | None:
    try:
        return next(reader)
    except StopIteration:
        return None
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise FileProblem(line, "a quoted field that opens on this line is never closed; nothing was stored",
                              "この行で始まる引用符(\")が閉じていません。何も保存していません") from None
        raise FileProblem(line, f"{exc} (a quote inside a quoted field must be doubled: \"\"); nothing was stored",
                          f"CSV として読めません({exc})。引用符の中の \" は \"\" と書きます。何も保存していません") from None
