"""Who bought, and how they found the shop, as both Saleor hosts read it: one rule for a buyer's name,
address, phone, LINE id and birthday, and one for an order's campaign tags.

The plugin reads Saleor's ORM and the App reads webhook payloads and GraphQL; each turns what it has
into a `SaleorAddress` and a `SaleorUser` and this module builds the facts, so the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ... import conf, contact_data
from ...ingest.facts import Acquisition, CustomerRef, PostalAddress
from .rules import company_confirmed_from_metadata


@dataclass(frozen=True)
class SaleorAddress:
    """Saleor's Address, the fields the facts read (country: the ISO code)."""

    first_name: str = ""
    last_name: str = ""
    company_name: str = ""
    phone: str = ""
    postal_code: str = ""
    country: str = ""
    country_area: str = ""
    city: str = ""
    city_area: str = ""
    street_address_1: str = ""
    street_address_2: str = ""
    metadata: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SaleorUser:
    """Saleor's User (pk: its primary key as a string)."""

    pk: str
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    metadata: dict = field(default_factory=dict)
    private_metadata: dict = field(default_factory=dict)


def quietly(normalise, value):
    """A value Saleor accepted but we cannot use is dropped: an order is never refused for it."""
    try:
        return normalise(value)
    except (contact_data.ContactDataError, TypeError):
        return ""


def customer_ref(address: SaleorAddress | None, user: SaleorUser | None, email: str,
                 language_code: str, shop: conf.ShopSettings | None = None) -> CustomerRef:
    """The buyer of an order or checkout (`address`: its billing address), or a customer (their default one).

    `shop`: the settings, read once by a caller mapping many objects (they are rebuilt on every read)."""
    shop = shop or conf.get_settings()
    settings = shop.base
    metadata = dict(user.metadata) if user is not None else {}
    private = dict(user.private_metadata) if user is not None else {}
    return CustomerRef(
        user_id=user.pk if user is not None else None,
        email=email or (user.email if user is not None else ""),
        first_name=(address.first_name if address else "") or (user.first_name if user else ""),
        last_name=(address.last_name if address else "") or (user.last_name if user else ""),
        company_name=(address.company_name if address else "") or "",
        language_code=language_code or "",
        metadata=metadata,
        company_confirmed=company_confirmed_from_metadata(private, shop) if user is not None else None,
        phone=quietly(contact_data.normalise_phone, str(getattr(address, "phone", "") or "")),
        address=postal_address(address, metadata.get(settings.department_metadata_key, ""), shop),
        # Private metadata only: a buyer could write someone else's LINE id into their public metadata.
        line_user_id=quietly(contact_data.normalise_line_user_id,
                             str(private.get(settings.line_user_id_metadata_key, ""))),
        birthday=quietly(contact_data.parse_birthday, metadata.get(settings.birthday_metadata_key)) or None,
    )


def postal_address(address: SaleorAddress | None, department: str = "",
                   shop: conf.ShopSettings | None = None) -> PostalAddress | None:
    """The lines of a 宛名 label; the department may sit in the address's own metadata."""
    if address is None:
        return None
    country = address.country or ""
    first, last = address.first_name or "", address.last_name or ""
    person = f"{last} {first}" if country in ("JP", "") else f"{first} {last}"  # 姓 名 on a Japanese label
    key = (shop or conf.get_settings()).base.department_metadata_key
    department = (address.metadata or {}).get(key, department)
    result = PostalAddress(
        postal_code=quietly(lambda code: contact_data.normalise_postal_code(code, country or "JP"),
                            address.postal_code or ""),
        country=country,
        prefecture=address.country_area or "",
        city=" ".join(part for part in (address.city, address.city_area) if part),
        line1=address.street_address_1 or "",
        line2=address.street_address_2 or "",
        company=address.company_name or "",
        department=str(department or "")[:256],
        person=person.strip(),
    )
    return result if result else None


def acquisition(channel: str, metadata: dict, voucher_code: str | None,
                shop: conf.ShopSettings | None = None) -> Acquisition:
    """Campaign tags from the order's metadata (Saleor copied the checkout's there), the voucher code used."""
    settings = (shop or conf.get_settings()).for_channel(channel)

    def tag(key: str) -> str:
        return str(metadata.get(key) or "").strip()[:255]

    return Acquisition(utm_source=tag(settings.utm_source_metadata_key),
                       utm_medium=tag(settings.utm_medium_metadata_key),
                       utm_campaign=tag(settings.utm_campaign_metadata_key),
                       voucher_code=(voucher_code or "")[:255])


def checkout_line_prices(total: Decimal | None, quantity: int, undiscounted_unit: Decimal | None) -> tuple[str, str]:
    """A checkout line's (unit price, amount) as strings, as the abandoned-cart mail lists them.

    Saleor computes line totals lazily (a new checkout holds 0 until its prices are first fetched); until
    then the unit price is the listing price, undiscounted.
    """
    total = total or Decimal(0)
    unit = (total / quantity).quantize(Decimal("0.001")) if total and quantity else (undiscounted_unit or Decimal(0))
    return str(unit), str(total or unit * quantity)
