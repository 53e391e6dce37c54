"""Reading an order CSV so that no row is lost without a word.

A file whose record boundaries cannot be trusted (a quote never closed, or closed rows
later so that whole rows sit inside one field; text after a closing quote; a bad header)
is refused whole with the line where it went wrong. A row that is only itself wrong (too
many or too few fields) is reported by its physical line number.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field


class CsvRefused(ValueError):
    def __init__(self, line: int, reason: str):
        super().__init__(f"line {line}: {reason}")
        self.line = line


@dataclass
class CsvRows:
    header: list[str]
    rows: list[tuple[int, dict]] = field(default_factory=list)  # (line the record starts on, fields)
    errors: list[dict] = field(default_factory=list)
    rejected: set[str] = field(default_factory=set)  # external ids with a row that could not be read


def read_rows(text: str, allowed: tuple[str, ...], key: str) -> CsvRows:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header = _header(_next(reader, 1), allowed)
    out = CsvRows(header)
    while True:
        line = reader.line_num + 1
        record = _next(reader, line)
        if record is None:
            return out
        if not record:  # a blank line
            continue
        _check_not_swallowed(record, line, len(header))
        if len(record) != len(header):
            out.errors.append({"row": line, "field": "row",
                               "message": f"has {len(record)} fields, the header has {len(header)}"})
            if key in header and header.index(key) < len(record):
                out.rejected.add(record[header.index(key)].strip())
            continue
        out.rows.append((line, dict(zip(header, record))))


def _next(reader, line: int) -> list[str] | None:
    try:
        return next(reader)
    except StopIteration:
        return None
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise CsvRefused(line, "a quoted field that opens on this line is never closed "
                                   "(a missing closing quote); nothing was stored") from None
        raise CsvRefused(line, f"{exc} (a quote inside a quoted field must be doubled: \"\"); "
                               "nothing was stored") from None


def _header(record: list[str] | None, allowed: tuple[str, ...]) -> list[str]:
    if not record:
        raise CsvRefused(1, "the file is empty; the first line must name the columns")
    header = [name.strip() for name in record]
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise CsvRefused(1, f"duplicate column(s): {', '.join(duplicated)}")
    unknown = [name or "(empty)" for name in header if name not in allowed]
    if unknown:
        raise CsvRefused(1, f"unknown column(s): {', '.join(unknown)}; allowed: {', '.join(allowed)}")
    return header


def _check_not_swallowed(record: list[str], line: int, width: int) -> None:
    # A legitimate multi-line field (an address) does not hold a whole row's worth of commas
    # on one of its lines; a stray quote closed rows later does.
    for value in record:
        if "\n" in value or "\r" in value:
            if any(part.count(",") >= width - 1 for part in value.splitlines()):
                raise CsvRefused(line, "a quoted field that opens on this line runs over "
                                       f"{value.count(chr(10)) + 1} lines and holds whole rows "
                                       "(a missing closing quote?); nothing was stored")
