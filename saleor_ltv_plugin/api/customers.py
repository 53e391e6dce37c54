"""Customer lists: `POST customers` (a JSON batch) and `POST customers/import` (a CSV/TSV file).

Both validate every record first and store all or nothing, in one transaction, through
ingest/customers.py; refusals name the record (its position, or its line in the file), the
field and the reason in English and Japanese. Storing the same list again changes nothing.
A file is read at once (not an import job): customer lists are a few hundred thousand rows at
most, and the same 50 MiB limit as `imports/orders` applies; `POST imports` with `kind=customers`
takes the same file as a job (up to 200 MiB).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, Optional

from django.http import HttpRequest
from django.utils import timezone
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field, ValidationError, field_validator, model_validator

from .. import db
from ..auth import Scope
from ..ingest.customers import store_customers
from ..ingest.facts import CustomerData, CustomerRef, MediumConsent, PostalAddress
from ..ingest.formats import FileProblem
from ..ingest.formats.customers import FIELD_JA, MEDIA, read_customers
from ..models import SalesSource
from .body import declared_limit
from .file_import import context, pydantic_errors
from .imports import BODY_LIMIT, ERRORS, _file_refused, _refused, _too_large, json_batch, rows_refused
from .schemas import MAX_BATCH, CustomerIn, Input
from .security import need

router = Router(tags=["customers"])
Medium = Literal[tuple(MEDIA.values())]  # type: ignore[valid-type]
Tag = Annotated[str, Field(min_length=1, max_length=64)]


class ConsentIn(Input):
    medium: Medium
    granted: bool
    source: str = Field("rest", min_length=1, max_length=32, description="Where it was given: web_form, event, import …")
    at: Optional[dt.datetime] = Field(None, description="When the buyer gave or withdrew it (default: now). A later "
                                                        "stored word is never overwritten by an earlier one.")

    @field_validator("at")
    @classmethod
    def _not_in_future(cls, value):
        if value is not None and (value.tzinfo is None or value > timezone.now() + dt.timedelta(days=1)):
            raise ValueError("must carry a time zone and not lie in the future")
        return value


class CustomerRecordIn(CustomerIn):
    department: Annotated[str, Field(max_length=256)] = Field("", description="部署")
    registered_at: Optional[dt.datetime] = Field(None, description="When the buyer registered with the shop.")
    consents: Annotated[list[ConsentIn], Field(max_length=len(MEDIA))] = Field(
        default_factory=list, description="Marketing consent per medium: email, sms, line, postal.")
    tags: Annotated[list[Tag], Field(max_length=50)] = Field(
        default_factory=list, description="Labels on the account the buyer buys for (AccountTag).")
    attributes: Annotated[dict[Annotated[str, Field(max_length=64)], Annotated[str, Field(max_length=512)]],
                          Field(max_length=50)] = Field(
        default_factory=dict, description="Free attributes kept on the contact (業種, 地域, 価格グループ …).")

    @field_validator("registered_at")
    @classmethod
    def _aware(cls, value):
        if value is not None and value.tzinfo is None:
            raise ValueError("must carry a time zone, e.g. 2024-04-01T10:00:00+09:00")
        return value

    @model_validator(mode="after")
    def _someone(self):
        if not (self.external_key.strip() or self.email.strip() or self.user_id):
            raise ValueError("a customer needs an email, a user_id or an external_key "
                             "(メールアドレス・ユーザーID・顧客IDのいずれかが必要です)")
        return self

    @field_validator("attributes")
    @classmethod
    def _no_nul_in_attributes(cls, value: dict[str, str]) -> dict[str, str]:
        if any("\x00" in text for pair in value.items() for text in pair):
            raise ValueError("must not contain NUL characters")
        return value

    @field_validator("consents")
    @classmethod
    def _one_per_medium(cls, value: list[ConsentIn]) -> list[ConsentIn]:
        media = [c.medium for c in value]
        if len(set(media)) != len(media):
            raise ValueError("one consent per medium (媒体ごとに1件です)")
        return value


class CustomerBatchIn(Input):
    channel: str = Field("default-channel", min_length=1, max_length=128,
                         description="The channel whose accounts the tags go on.")
    currency: str = Field("JPY", pattern=r"^[A-Z]{3}$")
    customers: Annotated[list[dict], Field(min_length=1, max_length=MAX_BATCH)] = Field(
        ..., description="CustomerRecordIn objects.")


class CustomersOut(Schema):
    received: int
    created: int
    updated: int
    unchanged: int
    written: int


class CustomerFileOut(CustomersOut):
    encoding: str
    delimiter: str
    rows_read: int
    columns: dict[str, str] = Field(..., description="Field → the column it was read from.")
    attributes: list[str] = Field(..., description="Columns kept as free attributes.")


def to_customer_data(record: CustomerRecordIn, source: str) -> CustomerData:
    address = record.address
    if address is not None and record.department and not address.department:
        address = address.model_copy(update={"department": record.department})
    attributes = dict(record.attributes)
    if record.department and address is None:
        attributes.setdefault("部署", record.department)
    consents = {c.medium: c for c in record.consents}
    now = timezone.now()
    email = consents.pop("email", None)
    return CustomerData(
        source=source,
        customer=CustomerRef(user_id=record.user_id, email=record.email.strip().lower(), first_name=record.first_name,
                             last_name=record.last_name, company_name=record.company_name,
                             language_code=record.language_code, phone=record.phone, line_user_id=record.line_user_id,
                             birthday=record.birthday, external_key=record.external_key, metadata=attributes,
                             address=PostalAddress(**address.model_dump()) if address else None),
        registered_at=record.registered_at,
        marketing_consent=email.granted if email else None,
        consent_at=(email.at or now) if email else None, consent_source=email.source if email else "",
        consents=tuple(MediumConsent(c.medium, c.granted, c.source, c.at or now) for c in consents.values()),
        tags=tuple(record.tags),
    )


def _validate(rows: list[tuple[int, dict]], source: str) -> tuple[list[CustomerData], list[dict]]:
    good, errors = [], []
    for row, data in rows:
        try:
            good.append(to_customer_data(CustomerRecordIn.model_validate(data), source))
        except ValidationError as exc:
            errors.extend(pydantic_errors(exc, row, names=FIELD_JA))
    return good, errors


def _stored(batch, channel: str, currency: str) -> dict:
    with db.writer():
        counts = store_customers(batch, channel, currency)
    return {"received": len(batch), "created": counts.created, "updated": counts.updated,
            "unchanged": counts.unchanged, "written": counts.written}


def _inlined(schema: dict) -> dict:
    """A model's JSON schema with its $defs written in place: the body is documented by hand (the view
    validates it itself, to name records in Japanese too), and "#/$defs/…" would not resolve there."""
    defs = schema.pop("$defs", {})

    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                return walk(defs[node["$ref"].rsplit("/", 1)[-1]])
            return {key: walk(value) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(value) for value in node]
        return node

    return walk(schema)


BATCH_DOC = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["customers"], "properties": {
        "channel": {"type": "string", "default": "default-channel"},
        "currency": {"type": "string", "default": "JPY", "pattern": "^[A-Z]{3}$"},
        "customers": {"type": "array", "minItems": 1, "maxItems": MAX_BATCH,
                      "items": _inlined(CustomerRecordIn.model_json_schema())}}}}}}}


@router.post("customers", response={200: CustomersOut, **ERRORS}, openapi_extra=BATCH_DOC,
             summary="Store a batch of customers with their consent and tags (all or nothing)")
def ingest_customers(request: HttpRequest):
    """Up to 5 000 customers per call, in a body of at most 24 MiB. A customer is identified by
    `user_id`, else `external_key` (a mall's or ERP's customer id), else `email`; sending it again
    updates it. `consents` carries marketing consent per medium (email, sms, line, postal) with its
    source and time; `tags` go on the account the buyer buys for in `channel` (created, as a
    prospect, when the buyer has no orders yet); `attributes` are free and kept on the contact.
    Every record is validated first: one invalid record refuses the call with 422 naming each
    record (`row`: its 1-based position), field and reason in English and Japanese; nothing is stored."""
    need(request, Scope.INGEST)
    batch, refused = json_batch(request, CustomerBatchIn, FIELD_JA)
    if refused:
        return refused
    good, errors = _validate(list(enumerate(batch.customers, start=1)), "rest")
    if errors:
        return _refused(f"{len({e['row'] for e in errors})} customer(s) are invalid; nothing was stored",
                        f"不正な顧客が {len({e['row'] for e in errors})} 件あります。何も保存していません", errors)
    return Status(200, _stored(good, batch.channel, batch.currency))


@router.post("customers/import", response={200: CustomerFileOut, **ERRORS},
             summary="Import a customer list file (CSV/TSV, UTF-8 or Shift_JIS; all or nothing)")
@declared_limit(BODY_LIMIT)
def import_customers(request: HttpRequest, file: UploadedFile = File(...),
                     channel: str = Form("default-channel", max_length=128),
                     currency: str = Form("JPY", pattern=r"^[A-Z]{3}$"),
                     id_namespace: Literal[tuple(SalesSource.values)] = Form(  # type: ignore[valid-type]
                         "other", description="Prefix of bare 顧客ID values (as an order mapping's sales source)."),
                     consent_source: str = Form("import", min_length=1, max_length=32)):
    """Columns are recognised by their English or Japanese names: 会社名/company, 部署/department,
    氏名 (or 姓 and 名)/name, メールアドレス/email, 顧客ID/customer id, 電話番号/phone, 郵便番号,
    都道府県, 市区町村, 住所, 住所2, 誕生日/birthday, 登録日/registered at, メール配信, SMS配信, LINE配信,
    DM配信 (可/不可, 希望する/希望しない, ○/×, yes/no, 1/0; empty: unchanged), 同意日/consent date,
    同意元/consent source, タグ/tags (separated by 、 , ; |); every other column (業種, 地域, 価格グループ …)
    is a free attribute on the contact. UTF-8 (with or without BOM) or Shift_JIS, comma or tab;
    dates as 2024/04/01, 2024年4月1日, 令和6年4月1日 or ISO 8601. One bad row refuses the file with
    422 listing every bad line, field and reason (English and Japanese); nothing is stored. At most 50 MiB."""
    need(request, Scope.INGEST)
    too_large = _too_large(file)
    if too_large:
        return too_large
    try:
        records, good, errors = read_list(file.read(), channel, currency, id_namespace, consent_source)
    except FileProblem as problem:
        return _file_refused(problem)
    if errors:
        return rows_refused(errors)
    known = set(records.fields.values())
    return Status(200, {**_stored(good, channel, currency), "encoding": records.encoding,
                        "delimiter": records.delimiter, "rows_read": records.rows_read,
                        "columns": records.fields,
                        "attributes": [c for c in records.header if c and c not in known]})


def read_list(data: bytes, channel: str, currency: str, id_namespace: str = "other", consent_source: str = "import"):
    """(the file read, CustomerData of the good rows, errors of the bad ones in line order); raises
    FileProblem when the file as a whole cannot be read. Shared by this endpoint and import jobs."""
    records, rows, problems = read_customers(data, context(channel, currency).tz, id_namespace, consent_source,
                                             timezone.now())
    good, errors = _validate(rows, "import")
    return records, good, sorted([p.as_dict() for p in problems] + errors, key=lambda e: e["row"])
