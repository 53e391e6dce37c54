"""Typed request and response bodies; the OpenAPI document is generated from these."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Annotated, Literal, Optional

from ninja import Schema
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    Field,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)

from .. import contact_data
from ..addresses import address_problem
from ..engine.cpm import CELLS
from ..engine.lifecycle import STAGES
from ..engine.metric_columns import FIGURES
from ..engine.rfm import SEGMENTS
from ..models.facts import SalesSource
from ..queries.accounts import RANGES, SORT_FIELDS
from ..queries.errors import InputError
from ..queries.segment_spec import merge_spec
from ..queries.pagination import MAX_PAGE

Money = Annotated[Decimal, Field(ge=0, max_digits=17, decimal_places=3)]
MONEY_LIMIT = Decimal(10) ** 14  # what Money admits: 17 digits, 3 of them decimals
Text = Annotated[str, Field(max_length=255)]
SalesSourceName = Literal[tuple(SalesSource.values)]  # type: ignore[valid-type]
MAX_BATCH = 5000
MAX_FILTER_JSON = 20_000  # characters of a `filter` parameter; the tree's own bounds come after
MAX_LINES = 1000
EARLIEST = dt.datetime(1990, 1, 1, tzinfo=dt.timezone.utc)
FUTURE_SLACK = dt.timedelta(days=1)  # clocks and time zones of other systems may run ahead


def _in_window(value: dt.datetime) -> dt.datetime:
    # Far dates overflow on the way to UTC (year 1 at +09:00) and mean nothing as an order's time.
    latest = dt.datetime.now(dt.timezone.utc) + FUTURE_SLACK
    try:
        inside = EARLIEST <= value <= latest
    except OverflowError:
        inside = False
    if not inside:
        raise ValueError(f"must be between 1990-01-01T00:00:00Z and now + 1 day ({latest:%Y-%m-%dT%H:%M}Z)")
    return value


OrderTime = Annotated[AwareDatetime, AfterValidator(_in_window)]


class Input(Schema):
    """Request schemas: no text may carry a NUL character (PostgreSQL refuses to store one)."""

    @model_validator(mode="before")
    @classmethod
    def _object_only(cls, value):
        # ninja's Schema would read attributes off anything (a JSON list, a number) and
        # fall back to defaults; a request body or nested object must be a JSON object.
        raw = getattr(value, "_obj", value)  # ninja may have wrapped it in its DjangoGetter already
        if isinstance(raw, (list, tuple, str, int, float, bool)) or raw is None:
            raise ValueError("must be a JSON object")
        return value

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value):
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("must not contain NUL characters")
        if isinstance(value, list) and any(isinstance(v, str) and "\x00" in v for v in value):
            raise ValueError("must not contain NUL characters")
        return value


def _contact_value(normalise):
    """contact_data's normaliser as a validator: its reason becomes the field's error."""
    def check(value):
        try:
            return normalise(value)
        except contact_data.ContactDataError as exc:
            raise ValueError(str(exc)) from None
    return AfterValidator(check)


Line = Annotated[str, Field(max_length=256)]


class AddressIn(Input):
    """A postal address with the lines a Japanese 宛名 label prints."""

    country: Annotated[str, Field(pattern=r"^([A-Z]{2})?$")] = Field("JP", description="ISO 3166-1 alpha-2.")
    postal_code: Annotated[str, Field(max_length=20)] = Field("", description="Japan: 100-0001 or 1000001 (〒 allowed).")
    prefecture: Annotated[str, Field(max_length=128)] = Field("", description="都道府県 (Saleor's country_area).")
    city: Line = ""
    line1: Line = Field("", description="Street, block and number (番地).")
    line2: Line = Field("", description="Building, floor, room.")
    company: Line = ""
    department: Line = Field("", description="部署")
    person: Line = Field("", description="The addressee as the label prints it (姓 名).")

    @field_validator("postal_code")
    @classmethod
    def _normalised_code(cls, value: str, info: ValidationInfo) -> str:  # country is validated first
        try:
            return contact_data.normalise_postal_code(value, info.data.get("country") or "JP")
        except contact_data.ContactDataError as exc:
            raise ValueError(str(exc)) from None


def _date_text(value):
    # pydantic would read a number as a Unix time; the schema says a date string (YYYY-MM-DD).
    if value is None or isinstance(value, (str, dt.date)):
        return value
    raise ValueError("must be a date as YYYY-MM-DD")


class CustomerIn(Input):
    user_id: Optional[Annotated[str, Field(max_length=64)]] = Field(None, description="Saleor User id, if any.")
    email: Annotated[str, Field(max_length=254)] = ""
    first_name: Annotated[str, Field(max_length=256)] = ""
    last_name: Annotated[str, Field(max_length=256)] = ""
    company_name: Annotated[str, Field(max_length=256)] = Field("", description="The B2B account key by default.")
    language_code: Annotated[str, Field(max_length=35)] = ""
    phone: Annotated[str, Field(max_length=40), _contact_value(contact_data.normalise_phone)] = Field(
        "", description="Stored as E.164; Japanese forms such as 03-1234-5678 or ０９０－１２３４－５６７８ are read.")
    address: Optional[AddressIn] = None
    line_user_id: Annotated[str, Field(max_length=64), _contact_value(contact_data.normalise_line_user_id)] = Field(
        "", description="LINE Messaging API user id (U + 32 hex digits).")
    birthday: Optional[Annotated[dt.date, BeforeValidator(_date_text), _contact_value(contact_data.parse_birthday)]] = None
    external_key: Annotated[str, Field(max_length=128)] = Field(
        "", description="A mall's or ERP's customer id, namespaced (rakuten:…): keys a buyer whose e-mail is masked.")

    @field_validator("email")
    @classmethod
    def _one_bare_address(cls, value: str) -> str:
        problem = address_problem(value.strip()) if value.strip() else None
        if problem:
            raise ValueError(problem)
        return value


class LineIn(Input):
    line_ref: Optional[Annotated[str, Field(max_length=64)]] = Field(None, description="Defaults to the position.")
    sku: Text = ""
    product_name: Annotated[str, Field(max_length=386)] = ""
    product_id: Annotated[str, Field(max_length=64)] = ""
    variant_id: Annotated[str, Field(max_length=64)] = ""
    quantity: Annotated[int, Field(ge=1, le=1_000_000)]
    unit_price: Money
    amount: Optional[Money] = Field(None, description="Line total; defaults to quantity × unit_price.")

    @field_validator("unit_price")
    @classmethod
    def _line_total_fits(cls, value: Decimal, info: ValidationInfo) -> Decimal:
        quantity = info.data.get("quantity")
        if quantity is not None and value * quantity >= MONEY_LIMIT:
            raise ValueError(f"quantity × unit_price must be below {MONEY_LIMIT:,.0f}")
        return value


class ShipmentLineIn(Input):
    line_ref: Annotated[str, Field(max_length=64)] = Field("", description="The order line it carried, if known.")
    sku: Text = ""
    quantity: Annotated[int, Field(ge=1, le=1_000_000)]


class ShipmentIn(Input):
    ref: Optional[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        None, description="Your id for the parcel (defaults to its position): sending it again updates it.")
    shipped_at: OrderTime = Field(..., description="When it left (発送日), with a time zone.")
    tracking_number: Annotated[str, Field(max_length=255)] = Field("", description="お問い合わせ番号 / 伝票番号.")
    carrier: Annotated[str, Field(max_length=128)] = Field("", description="配送会社, e.g. ヤマト運輸.")
    lines: Annotated[list[ShipmentLineIn], Field(max_length=MAX_LINES)] = Field(
        [], description="What it carried; empty: the whole order.")


class AcquisitionIn(Input):
    """Where the buyer came from for this order (an account's first order's values are its own)."""

    utm_source: Text = ""
    utm_medium: Text = ""
    utm_campaign: Text = ""
    voucher_code: Text = Field("", description="The coupon or voucher code used.")


SHIPPED_BEFORE_ORDER = dt.timedelta(days=1)  # a shipping date without a time reads as 00:00 of its day


class OrderIn(Input):
    external_id: Annotated[str, Field(min_length=1, max_length=64)] = Field(
        ..., description="Your id for the order: sending it again updates the same order.")
    number: Annotated[str, Field(max_length=64)] = ""
    sales_source: SalesSourceName = Field(
        "own_shop", description="Where it was sold: " + ", ".join(SalesSource.values) + ".")
    channel: Annotated[str, Field(min_length=1, max_length=128)]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    created_at: OrderTime = Field(..., description="When it was placed, with a time zone; 1990-01-01 to now + 1 day.")
    status: Annotated[str, Field(min_length=1, max_length=32)] = Field(
        "fulfilled", description="Saleor's order statuses; draft, unconfirmed, canceled and expired don't count.")
    total_gross: Money
    total_net: Optional[Money] = None
    refunded_amount: Money = Decimal(0)
    customer: CustomerIn
    lines: Annotated[list[LineIn], Field(max_length=MAX_LINES)] = []
    source_updated_at: Optional[OrderTime] = Field(
        None, description="The source's last change: an older version never overwrites a newer one.")
    acquisition: Optional[AcquisitionIn] = None
    checkout_token: Annotated[str, Field(max_length=64)] = Field(
        "", description="The token of the cart (POST checkouts) this order completes: its abandoned-cart mail stops.")
    shipments: Optional[Annotated[list[ShipmentIn], Field(max_length=MAX_LINES)]] = Field(
        None, description="The order's parcels sent so far (flows trigger on 発送完了). Omitted: the stored ones "
                          "stay; a list replaces them.")

    @field_validator("shipments")
    @classmethod
    def _shipped_after_ordering(cls, value, info: ValidationInfo):
        created = info.data.get("created_at")
        for shipment in value or ():
            if created is not None and shipment.shipped_at < created - SHIPPED_BEFORE_ORDER:
                raise ValueError("shipped_at must not be before the order's created_at")
        refs = [s.ref for s in value or () if s.ref]
        if len(refs) != len(set(refs)):
            raise ValueError("two shipments have the same ref")
        return value


class OrderBatchIn(Input):
    orders: Annotated[list[OrderIn], Field(min_length=1, max_length=MAX_BATCH)]


class IngestCounts(Schema):
    created: int = Field(..., description="Orders this call stored for the first time.")
    updated: int = Field(..., description="Orders this call changed (fields or lines).")
    unchanged: int = Field(..., description="Orders already stored as sent, or sent with an older snapshot.")
    written: int = Field(..., description="created + updated (0 when the batch was already stored).")


class IngestOut(IngestCounts):
    received: int


class RowError(Schema):
    row: int = Field(..., description="1-based line number in the file (the header is line 1).")
    field: str
    message: str


class CsvIngestOut(IngestCounts):
    orders: int
    errors: list[RowError]


class ErrorItem(Schema):
    field: str
    message: str
    code: str
    message_ja: Optional[str] = Field(None, description="The message in Japanese, where there is one.")


class ErrorOut(Schema):
    detail: str
    errors: list[ErrorItem]


_METRIC_TYPES = {"label": str, "count": int, "days": int, "score": int, "date": dt.date, "ratio": float,
                 "money": Decimal, "flag": bool}


def _metric_field(column):
    kind = _METRIC_TYPES[column.kind]
    typed = kind if column.required else Optional[kind]
    return typed, Field(..., description=column.description or None)  # always present, maybe null


MetricsOut = create_model(
    "MetricsOut", __base__=Schema,
    **{column.name: _metric_field(column) for column in FIGURES},
    computed_at=(dt.datetime, Field(...)),
)


class AcquisitionOut(Schema):
    """The account's first order's campaign tags, voucher and sales source ('' where it had none)."""

    source: str = Field(..., description="utm_source")
    medium: str = Field(..., description="utm_medium")
    campaign: str = Field(..., description="utm_campaign")
    voucher_code: str
    sales_source: str
    acquired_at: Optional[dt.datetime] = Field(..., description="When the first order was placed.")


class AccountOut(Schema):
    id: int
    name: str
    channel: str
    currency: str
    key_kind: str
    erased: bool
    acquisition: AcquisitionOut
    metrics: Optional[MetricsOut]


class PageInfoOut(Schema):
    has_next_page: bool
    end_cursor: Optional[str]


class AccountPageOut(Schema):
    items: list[AccountOut]
    page_info: PageInfoOut
    total_count: int


class ContactOut(Schema):
    email: str
    external_key: str = Field(..., description="A mall's or ERP's customer id (rakuten:…), '' for others.")
    first_name: str
    last_name: str
    company_name: str
    saleor_user_id: Optional[str]


class SkuRhythmOut(Schema):
    sku: str
    purchases: int
    last_purchase_at: dt.date
    typical_interval_days: Optional[float]
    next_reorder_on: Optional[dt.date]


class ShipmentOut(Schema):
    ref: str
    shipped_at: dt.datetime
    tracking_number: str
    carrier: str


class OrderOut(Schema):
    source: str
    external_id: str
    number: str
    created_at: dt.datetime
    status: str
    total_gross: Decimal
    amount: Decimal
    counts_as_purchase: bool
    shipments: list[ShipmentOut] = []


class AccountDetailOut(AccountOut):
    contacts: list[ContactOut]
    sku_rhythms: list[SkuRhythmOut]
    orders: list[OrderOut]


class RecomputeOut(Schema):
    id: int
    status: str
    progress: float
    accounts: int
    started_at: dt.datetime
    finished_at: Optional[dt.datetime]


def _iso_date(value):
    # pydantic would also read "0" or 1700000000 as a Unix time; a query date is YYYY-MM-DD only.
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        return value
    if isinstance(value, dt.date):
        return value
    raise ValueError("must be a date as YYYY-MM-DD")


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
_KINDS = {"int": int, "number": float, "date": IsoDate}


def _range_fields() -> dict:
    fields = {}
    for name, (_, kind) in RANGES.items():
        for side in ("gte", "lte"):
            fields[f"{name}_{side}"] = (Optional[_KINDS[kind]], Field(None))
    return fields


AccountFilterQuery = create_model(
    "AccountFilterQuery",
    __base__=Input,
    channel=(Optional[Text], Field(None)),
    currency=(Optional[Text], Field(None)),
    search=(Optional[Text], Field(None, description="Name or contact e-mail, contains.")),
    sku=(Optional[Text], Field(None, description="Accounts that bought this SKU.")),
    acquisition_source=(Optional[Text], Field(None, description="Accounts whose first order came from this utm_source.")),
    stages=(Optional[list[Literal[STAGES]]], Field(None)),
    cpm_cells=(Optional[list[Literal[CELLS]]], Field(None)),
    rfm_segments=(Optional[list[Literal[SEGMENTS]]], Field(None)),
    churn_risk=(Optional[bool], Field(None)),
    filter=(Optional[Annotated[str, Field(max_length=MAX_FILTER_JSON)]], Field(None, description=(
        "More of the filter as JSON in the filter language (the form a saved segment stores): groups "
        "all / any / not, bought, viewed, tags, sales_sources, languages, prefectures, regions, consent, stage_on "
        "and every field above; ANDed with the other parameters, a field given in both is refused."))),
    **_range_fields(),
)


class PageQuery(Input):
    sort_by: Literal[tuple(SORT_FIELDS)] = "monetary"
    direction: Literal["asc", "desc"] = "desc"
    first: Annotated[int, Field(ge=1, le=MAX_PAGE)] = 50
    after: Optional[Annotated[str, Field(max_length=1000)]] = None


def filter_spec(query) -> dict:
    """The query parameters as the shared filter spec (ranges as {gte, lte}), the JSON `filter` merged in."""
    raw = query.dict(exclude_none=True)
    text = raw.pop("filter", None)
    spec: dict = {}
    for key, value in raw.items():
        for side in ("_gte", "_lte"):
            if key.endswith(side) and key[: -len(side)] in RANGES:
                bound = value.isoformat() if isinstance(value, dt.date) else value
                spec.setdefault(key[: -len(side)], {})[side[1:]] = bound
                break
        else:
            spec[key] = value
    if text is None:
        return spec
    try:
        extra = json.loads(text)
    except ValueError:
        raise InputError({"filter": "must be JSON"}, ja={"filter": "JSON で指定してください"}) from None
    return merge_spec(spec, extra, "filter")
