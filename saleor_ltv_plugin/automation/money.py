"""Money as a buyer reads it: ¥125,500 / $1,234.50, never "125500.000 JPY"."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# ISO 4217 minor units of the common currencies; any other shows 2 decimals.
MINOR_UNITS = {
    "JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "UGX": 0, "PYG": 0,
    "BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3, "TND": 3, "IQD": 3, "LYD": 3,
}
SYMBOLS = {"JPY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "KRW": "₩", "CNY": "CN¥", "INR": "₹"}


def format_money(amount, currency: str) -> str:
    """Rounded to the currency's minor units, thousands grouped; "" when there is no amount.

    ja and en group and mark decimals alike, so the language changes nothing yet; a
    currency without a symbol of its own is written with its code in front ("CHF 1,234.50").
    """
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError, TypeError):
        return ""
    if not value.is_finite():
        return ""
    code = (currency or "").upper()
    places = MINOR_UNITS.get(code, 2)
    value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    number = f"{abs(value):,.{places}f}"
    symbol = SYMBOLS.get(code, f"{code} " if code else "")
    return f"{'-' if value < 0 else ''}{symbol}{number}"
