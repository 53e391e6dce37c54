"""A shop's own file (an ERP export, a phone/FAX order sheet) read through a saved ColumnMapping."""

from __future__ import annotations

from .base import FIELDS, OrderFormat

# A mapping must say where these are; created_at may be given as created_date (+ created_time).
REQUIRED = ("external_id", "total_gross")


class MappingProblem(ValueError):
    def __init__(self, field: str, en: str, ja: str):
        super().__init__(en)
        self.field, self.en, self.ja = field, en, ja


def check_columns(columns: dict) -> dict[str, str]:
    """source column → field, every field known, each field from one column, the required ones there."""
    if not isinstance(columns, dict) or not columns:
        raise MappingProblem("columns", "columns must map file columns to fields",
                             "columns には「ファイルの列名 → 項目」を指定してください")
    clean: dict[str, str] = {}
    for source, field in columns.items():
        source, field = str(source).strip(), str(field).strip()
        if field not in FIELDS:
            raise MappingProblem(f"columns.{source}", f"unknown field {field!r}; known: {', '.join(FIELDS)}",
                                 f"項目 {field!r} はありません(使える項目: {', '.join(FIELDS)})")
        if field in clean.values():
            raise MappingProblem(f"columns.{source}", f"field {field!r} is mapped from two columns",
                                 f"項目 {field!r} に 2 つの列が割り当てられています")
        clean[source] = field
    missing = [f for f in REQUIRED if f not in clean.values()]
    if not ({"created_at", "created_date"} & set(clean.values())):
        missing.append("created_at")
    if missing:
        raise MappingProblem("columns", f"no column for: {', '.join(missing)}",
                             f"次の項目の列がありません: {', '.join(missing)}")
    return clean


def mapping_format(name: str, columns: dict[str, str], sales_source: str) -> OrderFormat:
    columns = check_columns(columns)
    required = {source for source, field in columns.items()
                if field in (*REQUIRED, "created_at", "created_date")}
    return OrderFormat(name="mapping", label=f"mapping {name}", sales_source=sales_source or "other",
                       signature=frozenset(required), columns=columns)
