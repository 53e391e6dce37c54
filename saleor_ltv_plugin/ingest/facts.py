"""The one normalised shape every source is turned into (Saleor hooks, CSV, REST, demo).

As in django-anymail's normalised events, each fact keeps the source's raw
payload. Amounts are Decimal in the order's currency; datetimes are aware.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

# Saleor's OrderStatus values that never count as a purchase.
NON_PURCHASE_STATUSES = frozenset({"draft", "unconfirmed", "canceled", "cancelled", "expired"})


@dataclass(frozen=True)
class PostalAddress:
    """Where a letter goes: every line a Japanese 宛名 label prints (contact_data normalised the code)."""

    postal_code: str = ""
    country: str = ""
    prefecture: str = ""
    city: str = ""
    line1: str = ""
    line2: str = ""
    company: str = ""
    department: str = ""
    person: str = ""

    def __bool__(self) -> bool:
        return bool(self.postal_code or self.line1)


@dataclass(frozen=True)
class CustomerRef:
    """Who placed an order or owns a checkout, as far as the source knows."""

    user_id: str | None = None
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    company_name: str = ""
    language_code: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    # From Saleor's private metadata (staff-written); None: the source does not say.
    company_confirmed: bool | None = None
    phone: str = ""  # E.164
    address: PostalAddress | None = None
    line_user_id: str = ""
    birthday: date | None = None
    # A mall's or ERP's customer id, namespaced ("rakuten:…"): mall e-mails are masked relays,
    # so a buyer known by one is keyed by it, never merged with others by a masked address.
    external_key: str = ""


@dataclass(frozen=True)
class OrderLineData:
    line_ref: str
    sku: str
    quantity: int
    unit_price: Decimal
    amount: Decimal
    product_name: str = ""
    product_id: str = ""
    variant_id: str = ""
    # what a mail shows of the item beyond its name (empty where the source has none)
    variant_name: str = ""
    product_slug: str = ""
    image_url: str = ""


@dataclass(frozen=True)
class ShipmentLine:
    line_ref: str = ""  # the order line's reference, where the source says which line
    sku: str = ""
    quantity: int = 0


@dataclass(frozen=True)
class ShipmentData:
    """A parcel sent: when, with which tracking number, carrying which lines (none: the whole order)."""

    ref: str
    shipped_at: datetime
    tracking_number: str = ""
    carrier: str = ""
    lines: tuple[ShipmentLine, ...] = ()


@dataclass(frozen=True)
class Acquisition:
    """How the buyer found the shop for this order: campaign tags and the voucher code used."""

    utm_source: str = ""
    utm_medium: str = ""
    utm_campaign: str = ""
    voucher_code: str = ""


@dataclass(frozen=True)
class OrderData:
    source: str
    external_id: str
    channel: str
    currency: str
    created_at: datetime
    status: str
    total_gross: Decimal
    total_net: Decimal
    customer: CustomerRef
    lines: tuple[OrderLineData, ...] = ()
    refunded_amount: Decimal = Decimal(0)
    number: str = ""
    sales_source: str = "own_shop"  # where it was sold: own_shop, rakuten, amazon, phone … (SalesSource)
    checkout_token: str = ""
    source_updated_at: datetime | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    acquisition: Acquisition = Acquisition()
    # None: the source does not say (the stored shipments stay); () : it says none were sent.
    shipments: tuple[ShipmentData, ...] | None = None

    @property
    def amount(self) -> Decimal:
        """What the shop kept: gross total minus refunds, never below zero."""
        return max(self.total_gross - self.refunded_amount, Decimal(0))

    @property
    def counts_as_purchase(self) -> bool:
        if self.status.lower() in NON_PURCHASE_STATUSES:
            return False
        fully_refunded = self.total_gross > 0 and self.refunded_amount >= self.total_gross
        return not fully_refunded


@dataclass(frozen=True)
class CheckoutData:
    source: str
    token: str
    channel: str
    currency: str
    last_change: datetime
    customer: CustomerRef
    total_gross: Decimal = Decimal(0)
    lines: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class MediumConsent:
    """Consent for one medium (email, sms, line, postal), where it came from and when the source says."""

    medium: str
    granted: bool
    source: str
    at: datetime


@dataclass(frozen=True)
class CustomerData:
    source: str
    customer: CustomerRef
    is_active: bool = True
    registered_at: datetime | None = None
    marketing_consent: bool | None = None
    # When and from where the e-mail consent above was given (None: now, as a Saleor event means).
    consent_at: datetime | None = None
    consent_source: str = ""
    # A customer list's other media, its tags (AccountTag) for the account it buys for.
    consents: tuple[MediumConsent, ...] = ()
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProductData:
    """A catalogue entry: what a mail or a table shows for a SKU."""

    sku: str
    name: str
    category: str = ""
    price: Decimal | None = None
    currency: str = ""
    image_url: str = ""
    product_url: str = ""
    source: str = "import"
    slug: str = ""  # the storefront's product slug: a channel's product_url_template {slug} links it


def to_jsonable(value: Any) -> Any:
    """Dataclass/Decimal/datetime → JSON-safe, for keeping payloads in InboundEvent."""
    if hasattr(value, "__dataclass_fields__"):
        value = asdict(value)
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value
