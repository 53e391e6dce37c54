"""A customer-to-company link list (CSV/TSV, UTF-8 ±BOM or Shift_JIS) → link requests.

Columns: 顧客ID (the mall's or ERP's customer id; bare ids get the given namespace, as a customer
list's), and 会社名 (an existing company account) or アカウントID (any account's id).
"""

from __future__ import annotations

import unicodedata

from ..customer_links import LinkRequest
from .base import RowProblem
from .customers import COLUMNS as CUSTOMER_COLUMNS
from .records import Records, read_records
from .text import FileProblem
from .values import clean

COLUMNS: dict[str, tuple[str, ...]] = {
    "customer_id": CUSTOMER_COLUMNS["customer_id"],
    "company_name": (*CUSTOMER_COLUMNS["company_name"], "取引先", "取引先名"),
    "account_id": ("アカウントID", "アカウント番号", "account id", "account"),
}
FIELD_JA = {"customer_id": "顧客ID", "company_name": "会社名", "account_id": "アカウントID", "row": "行",
            "file": "ファイル"}


def read_links(data: bytes, id_namespace: str = "other") -> tuple[Records, list[LinkRequest], list[RowProblem]]:
    """Raises FileProblem when the file as a whole cannot be read."""
    records = read_records(data, COLUMNS, ("customer_id",), "customer link list", "顧客紐付けリスト")
    if not {"company_name", "account_id"} & set(records.fields):
        raise FileProblem(1, "the header names neither company_name (会社名) nor account_id (アカウントID)",
                          "見出し行に 会社名 か アカウントID の列が必要です")
    requests, problems = [], [RowProblem(line, "row", "this row has a different number of fields than the header",
                                         "この行の項目数が見出し行と違います") for line in records.ragged]
    for line, cells, _ in records.rows:
        customer_id = clean(cells.get("customer_id"))
        if customer_id and ":" not in customer_id:
            customer_id = f"{id_namespace}:{customer_id}"
        account = unicodedata.normalize("NFKC", clean(cells.get("account_id")))
        if account and (not account.isdigit() or len(account) > 18):
            problems.append(RowProblem(line, "account_id", "must be a whole number (an account's id)",
                                       "アカウントID: 整数で指定してください"))
            continue
        requests.append(LinkRequest(line, customer_id, int(account) if account else None,
                                    cells.get("company_name", "").strip()))
    return records, requests, problems
