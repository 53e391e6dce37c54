"""How Saleor's data reads as our facts: refunds, and what its user metadata says."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from ... import conf

_YES = ("true", "yes", "1", "granted", "opt_in", "opt-in")
_NO = ("false", "no", "0", "revoked", "opt_out", "opt-out")


def refunded_total(payment_refunds: Iterable[tuple[str, bool, Decimal]],
                   transaction_refunds: Iterable[Decimal | None]) -> Decimal:
    """Refunds through legacy payments — (kind, is_success, amount) of each payment transaction, of
    which successful "refund"s count — plus each transaction item's refunded value (Saleor keeps both)."""
    total = sum((amount for kind, ok, amount in payment_refunds if kind == "refund" and ok), Decimal(0))
    return total + sum((value or Decimal(0) for value in transaction_refunds), Decimal(0))


def consent_from_metadata(metadata: dict, shop: conf.ShopSettings | None = None) -> bool | None:
    """The storefront records consent in the user's metadata (Saleor has no field for it)."""
    value = str(metadata.get((shop or conf.get_settings()).base.consent_metadata_key, "")).strip().lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    return None


def company_confirmed_from_metadata(private_metadata: dict, shop: conf.ShopSettings | None = None) -> bool:
    """Private metadata only: Saleor lets buyers write their own public metadata (`shop`: settings already read)."""
    value = str(private_metadata.get((shop or conf.get_settings()).base.company_membership_metadata_key, ""))
    return value.strip().lower() in ("true", "1", "yes")
