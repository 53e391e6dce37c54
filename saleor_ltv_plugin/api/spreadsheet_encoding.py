"""CSV bytes for Japanese Excel: UTF-8 with a BOM (Excel reads UTF-8 only when the BOM says so),
or Shift_JIS as Windows writes it (CP932: ①, ㈱, 髙 and the other NEC/IBM characters encode).

A character CP932 cannot encode (emoji, 𠮷, most non-Japanese scripts) becomes its NFKC
compatibility form when that encodes and holds no character that would start a formula, else
〓 (geta, the Japanese printer's mark for a missing glyph): a cell never changes into a formula
on the way, and the loss is visible rather than a "?" that looks like data.
"""

from __future__ import annotations

import codecs
import unicodedata
from collections.abc import Iterable, Iterator

from ..queries.spreadsheet import FORMULA_STARTS

ENCODINGS = ("utf-8-sig", "shift_jis")
CHARSET = {"utf-8-sig": "utf-8", "shift_jis": "shift_jis"}
MISSING = "〓"
_ERRORS = "ltv-shift-jis-fallback"


def _fallback(exc: UnicodeEncodeError) -> tuple[str, int]:
    out = []
    for char in exc.object[exc.start:exc.end]:
        compatible = unicodedata.normalize("NFKC", char)
        try:
            compatible.encode("cp932")
            safe = compatible != char and not any(c in FORMULA_STARTS for c in compatible)
        except UnicodeEncodeError:
            safe = False
        out.append(compatible if safe else MISSING)
    return "".join(out), exc.end


codecs.register_error(_ERRORS, _fallback)


def encode_sjis(text: str) -> bytes:
    return text.encode("cp932", errors=_ERRORS)


def reencode(chunks: Iterable[bytes], encoding: str) -> Iterator[bytes]:
    """UTF-8 CSV chunks (as COPY or the csv writer yield them) in `encoding`. A chunk may end
    inside a multi-byte character: the incremental decoder keeps the tail for the next one."""
    if encoding == "utf-8-sig":
        yield codecs.BOM_UTF8
        yield from chunks
        return
    decoder = codecs.getincrementaldecoder("utf-8")()
    for chunk in chunks:
        text = decoder.decode(chunk)
        if text:
            yield encode_sjis(text)
    tail = decoder.decode(b"", final=True)
    if tail:
        yield encode_sjis(tail)


def csv_bytes(rows: Iterable[Iterable[str]], encoding: str) -> bytes:
    """A whole CSV of text cells for a spreadsheet: every cell made inert, CRLF rows, in `encoding`."""
    import csv
    import io

    from ..queries.spreadsheet import inert

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([inert(cell) if isinstance(cell, str) else cell for cell in row])
    text = buffer.getvalue()
    return encode_sjis(text) if encoding == "shift_jis" else codecs.BOM_UTF8 + text.encode()
