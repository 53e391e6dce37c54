"""A shop's customer list (CSV/TSV, UTF-8 ±BOM or Shift_JIS) → CustomerRecordIn-shaped dicts.

Columns by their English or Japanese names (会社名, 部署, 氏名, メールアドレス, 電話番号, 郵便番号,
都道府県, 住所, 誕生日, 登録日, メール配信 …); every other column is a free attribute (業種, 地域,
価格グループ …) kept on the contact. A row is keyed by its e-mail; 顧客ID keys a row without one
(namespaced like an order file's customer key) and is kept as an attribute otherwise. Consent cells read 可/不可, 希望する/希望しない, ○/×, yes/no, 1/0;
an empty cell says nothing (the stored consent stays).
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from .base import RowProblem
from .records import Records, read_records
from .values import ValueProblem, clean, parse_datetime

COLUMNS: dict[str, tuple[str, ...]] = {
    "email": ("メールアドレス", "メール", "Eメール", "e-mail", "email address", "mail"),
    "customer_id": ("顧客ID", "顧客番号", "会員ID", "会員番号", "customer id", "customer number", "external key"),
    "user_id": ("ユーザーID", "user id"),
    "company_name": ("会社名", "企業名", "法人名", "company", "company name"),
    "department": ("部署", "部署名", "department"),
    "full_name": ("氏名", "担当者名", "お名前", "名前", "name", "full name"),
    "last_name": ("姓", "last name", "family name"),
    "first_name": ("名", "first name", "given name"),
    "phone": ("電話番号", "電話", "TEL", "phone number", "tel"),
    "postal_code": ("郵便番号", "〒", "postal code", "zip", "zip code"),
    "prefecture": ("都道府県", "prefecture", "state"),
    "city": ("市区町村", "city"),
    "line1": ("住所", "住所1", "番地", "address", "address1", "address line 1"),
    "line2": ("住所2", "建物名", "address2", "address line 2"),
    "country": ("国", "国コード", "country"),
    "language_code": ("言語", "language"),
    "birthday": ("誕生日", "生年月日", "date of birth", "birth date"),
    "registered_at": ("登録日", "会員登録日", "登録日時", "registered at", "registration date"),
    "email_consent": ("メール配信", "メルマガ", "メルマガ配信", "メール配信可否", "email consent", "newsletter",
                      "marketing consent"),
    "sms_consent": ("SMS配信", "sms consent"),
    "line_consent": ("LINE配信", "line consent"),
    "postal_consent": ("DM配信", "郵送DM", "ダイレクトメール", "postal consent", "dm consent"),
    "consent_at": ("同意日", "配信同意日", "同意日時", "consent date", "consent at"),
    "consent_source": ("同意元", "同意取得元", "consent source"),
    "tags": ("タグ", "tag"),
}
FIELD_JA = {"email": "メールアドレス", "customer_id": "顧客ID", "company_name": "会社名", "department": "部署",
            "full_name": "氏名", "last_name": "姓", "first_name": "名", "phone": "電話番号", "postal_code": "郵便番号",
            "prefecture": "都道府県", "city": "市区町村", "line1": "住所", "line2": "住所2", "country": "国",
            "birthday": "誕生日", "registered_at": "登録日", "email_consent": "メール配信", "sms_consent": "SMS配信",
            "line_consent": "LINE配信", "postal_consent": "DM配信", "consent_at": "同意日", "consent_source": "同意元",
            "tags": "タグ", "user_id": "ユーザーID", "language_code": "言語", "consents": "配信同意",
            "attributes": "属性", "address": "住所", "row": "行", "file": "ファイル"}
MEDIA = {"email_consent": "email", "sms_consent": "sms", "line_consent": "line", "postal_consent": "postal"}
_YES = {"可", "許可", "希望", "希望する", "受け取る", "受信する", "配信する", "配信", "する", "はい", "同意", "同意する",
        "○", "◯", "〇", "yes", "y", "true", "1", "ok", "opt-in", "optin", "granted"}
_NO = {"不可", "拒否", "希望しない", "受け取らない", "受信しない", "配信しない", "停止", "配信停止", "しない", "いいえ",
       "非同意", "同意しない", "×", "✕", "no", "n", "false", "0", "ng", "opt-out", "optout", "revoked"}
_TAG_SEPARATORS = re.compile(r"[,、;；|｜]")
ADDRESS = ("postal_code", "prefecture", "city", "line1", "line2", "country")


def read_customers(data: bytes, tz: ZoneInfo, id_namespace: str = "other", source: str = "import",
                   now: datetime | None = None) -> tuple[Records, list[tuple[int, dict]], list[RowProblem]]:
    """(the file read, (line, CustomerRecordIn-shaped dict) per good row, problems of the bad cells)."""
    records = read_records(data, COLUMNS, ("email", "customer_id", "user_id"), "customer list", "顧客一覧")
    rows, problems = [], [RowProblem(line, "row", "this row has a different number of fields than the header",
                                     "この行の項目数が見出し行と違います") for line in records.ragged]
    for line, cells, attributes in records.rows:
        try:
            rows.append((line, _record(cells, attributes, tz, id_namespace, source, now)))
        except _CellProblem as exc:
            problems.append(RowProblem(line, exc.field, exc.en, f"{FIELD_JA.get(exc.field, exc.field)}: {exc.ja}"))
    return records, rows, problems


class _CellProblem(ValueError):
    def __init__(self, field: str, en: str, ja: str):
        super().__init__(en)
        self.field, self.en, self.ja = field, en, ja


def _cell(name: str, parse, value: str):
    try:
        return parse(value)
    except ValueProblem as exc:
        raise _CellProblem(name, exc.en, exc.ja) from None


def consent_word(value: str) -> bool | None:
    text = clean(value).casefold()
    if not text:
        return None
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ValueProblem(f"not a consent: {clean(value)!r} (可/不可, yes/no, 1/0)",
                       f"配信可否として読めません: {clean(value)!r}(可/不可、はい/いいえ、1/0 など)")


def _record(cells: dict, attributes: dict, tz: ZoneInfo, namespace: str, source: str, now) -> dict:
    last, first = cells.get("last_name", ""), cells.get("first_name", "")
    if not (last or first) and cells.get("full_name"):
        last, _, first = clean(cells["full_name"]).replace("\u3000", " ").partition(" ")
    customer_id = clean(cells.get("customer_id"))
    if customer_id and cells.get("email"):
        # The shop's own list: the buyer is the one its carts and mails know by e-mail; the id stays as
        # an attribute (an id keys only buyers without an e-mail, as a mall's masked ones).
        attributes = {**attributes, "顧客ID": customer_id}
        customer_id = ""
    elif customer_id and ":" not in customer_id:
        customer_id = f"{namespace}:{customer_id}"
    when = {name: _cell(name, lambda v: parse_datetime(v, tz), cells[name])
            for name in ("registered_at", "consent_at", "birthday") if cells.get(name)}
    consent_at = when.get("consent_at") or now
    consent_source = cells.get("consent_source") or source
    consents = []
    for column, medium in MEDIA.items():
        granted = _cell(column, consent_word, cells.get(column, ""))
        if granted is not None:
            consents.append({"medium": medium, "granted": granted, "source": consent_source, "at": consent_at})
    address = {name: cells[name] for name in ADDRESS if cells.get(name)}
    if address:
        address.setdefault("country", "JP")
        address.update(company=cells.get("company_name", ""), department=cells.get("department", ""),
                       person=" ".join(p for p in (last, first) if p))
    return {
        "email": cells.get("email", ""), "user_id": cells.get("user_id") or None, "external_key": customer_id,
        "company_name": cells.get("company_name", ""), "department": cells.get("department", ""),
        "last_name": last, "first_name": first, "phone": cells.get("phone", ""),
        "language_code": cells.get("language_code", ""), "address": address or None,
        "birthday": when["birthday"].date() if "birthday" in when else None,
        "registered_at": when.get("registered_at"), "consents": consents,
        "tags": [t.strip() for t in _TAG_SEPARATORS.split(cells.get("tags", "")) if t.strip()],
        "attributes": attributes,
    }
