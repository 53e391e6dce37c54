"""Link mall / ERP customers to the shop's companies: `POST customers/links` (JSON) and
`POST customers/links/import` (a CSV/TSV file); `DELETE customers/links/{customer_id}` unlinks one. All or nothing; refusals name the record (its
position, or its line in the file), the field and the reason in English and Japanese."""

from __future__ import annotations

from typing import Annotated, Literal, Optional

from django.http import HttpRequest
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field, ValidationError

from .. import db
from ..auth import Scope
from ..ingest.customer_links import MAX_ID, LinkRequest, link_customers, linked_buyer, resolve, unlink_customer
from ..ingest.formats import FileProblem
from ..ingest.formats.customer_links import FIELD_JA, read_links
from ..models import SalesSource
from .body import declared_limit
from .customers import _inlined
from .errors import NotFound
from .file_import import pydantic_errors
from .imports import BODY_LIMIT, ERRORS, _file_refused, _refused, _too_large, json_batch
from .schemas import MAX_BATCH, Input
from .security import need

router = Router(tags=["customers"])


class LinkIn(Input):
    customer_id: Annotated[str, Field(min_length=1, max_length=128)] = Field(
        ..., description="The customer's external key as stored, namespaced: rakuten:…, amazon:…, erp:….")
    account_id: Optional[int] = Field(None, ge=1, le=MAX_ID, description="The account to link to (GET accounts).")
    company_name: Annotated[str, Field(max_length=256)] = Field(
        "", description="Or an existing company account, by name (株式会社山田製作所 and (株)山田製作所 are one).")


class LinkBatchIn(Input):
    links: Annotated[list[dict], Field(min_length=1, max_length=MAX_BATCH)] = Field(..., description="LinkIn objects.")


class LinksOut(Schema):
    received: int
    linked: int = Field(..., description="Customers this call linked (or linked elsewhere).")
    unchanged: int = Field(..., description="Customers already linked there.")
    orders_moved: int
    accounts_rescored: int


class LinkFileOut(LinksOut):
    encoding: str
    delimiter: str
    rows_read: int
    columns: dict[str, str]


def _stored(requests: list[LinkRequest], problems: list[dict]):
    pairs, refused = resolve(requests)
    problems = sorted(problems + [p.as_dict() for p in refused], key=lambda e: e["row"])
    if problems:
        bad = len({e["row"] for e in problems})
        return _refused(f"{bad} link(s) are invalid; nothing was stored",
                        f"不正な紐付けが {bad} 件あります。何も保存していません", problems)
    with db.writer():
        result = link_customers(pairs)
    return Status(200, {"received": len(requests), "linked": result.linked, "unchanged": result.unchanged,
                        "orders_moved": result.orders_moved, "accounts_rescored": result.accounts_rescored})


BATCH_DOC = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["links"], "properties": {
        "links": {"type": "array", "minItems": 1, "maxItems": MAX_BATCH, "items": _inlined(LinkIn.model_json_schema())}}}}}}}


@router.post("customers/links", response={200: LinksOut, **ERRORS}, openapi_extra=BATCH_DOC,
             summary="Link mall / ERP customers to companies (their orders move there; all or nothing)")
def link(request: HttpRequest):
    """Mall buyers' e-mails are masked, so they are keyed by the mall's customer id (`customer_id`,
    e.g. rakuten:…, shown as the contact's `external_key` in GET accounts/{id}) on an account of their
    own. A link names the account they buy for — `account_id`, or `company_name` of an existing company
    account — and moves every order of theirs there, in every channel; orders imported later follow.
    The accounts touched are re-scored once. Up to 5 000 links per call; one invalid link refuses the
    call with 422 naming each link (`row`: its 1-based position), field and reason; nothing is stored."""
    need(request, Scope.INGEST)
    batch, refused = json_batch(request, LinkBatchIn, FIELD_JA)
    if refused:
        return refused
    requests, errors = [], []
    for position, record in enumerate(batch.links, start=1):
        try:
            valid = LinkIn.model_validate(record)
        except ValidationError as exc:
            errors.extend(pydantic_errors(exc, position, names=FIELD_JA))
            continue
        requests.append(LinkRequest(position, valid.customer_id.strip(), valid.account_id, valid.company_name.strip()))
    return _stored(requests, errors)


@router.post("customers/links/import", response={200: LinkFileOut, **ERRORS},
             summary="Link customers to companies from a file (CSV/TSV, UTF-8 or Shift_JIS; all or nothing)")
@declared_limit(BODY_LIMIT)
def import_links(request: HttpRequest, file: UploadedFile = File(...),
                 id_namespace: Literal[tuple(SalesSource.values)] = Form(  # type: ignore[valid-type]
                     "other", description="Prefix of bare 顧客ID values (rakuten, amazon, erp …).")):
    """Columns: 顧客ID/customer id, and 会社名/company or アカウントID/account id. One bad line refuses
    the file with 422 listing every bad line, field and reason (English and Japanese). At most 50 MiB."""
    need(request, Scope.INGEST)
    too_large = _too_large(file)
    if too_large:
        return too_large
    try:
        records, requests, problems = read_links(file.read(), id_namespace)
    except FileProblem as problem:
        return _file_refused(problem)
    response = _stored(requests, [p.as_dict() for p in problems])
    if response.status_code == 200:
        response.value.update(encoding=records.encoding, delimiter=records.delimiter, rows_read=records.rows_read,
                              columns=records.fields)
    return response


class UnlinkOut(Schema):
    unlinked: bool = Field(..., description="False when the customer was not linked (nothing changed).")
    orders_moved: int
    accounts_rescored: int


@router.delete("customers/links/{customer_id}", response={200: UnlinkOut, **ERRORS},
               summary="Unlink a mall / ERP customer: their orders go back where the key rule puts them")
def unlink(request: HttpRequest, customer_id: str):
    """A wrong link, or a buyer who changed company: the link is dropped and every order of the
    customer's moves back to the account the key rule gives without it (their own, keyed by
    `customer_id`); later orders land there too. The accounts touched are re-scored once. A customer
    who is not linked is answered with `unlinked: false` and nothing changes."""
    need(request, Scope.INGEST)
    contact, problem = linked_buyer(customer_id.strip())
    if problem:
        if problem.code == "not_found":
            raise NotFound("customer_id", problem.en)
        return _refused(problem.en, problem.ja, [problem.as_dict()])
    with db.writer():
        result = unlink_customer(contact)
    return Status(200, {"unlinked": bool(result.linked), "orders_moved": result.orders_moved,
                        "accounts_rescored": result.accounts_rescored})
