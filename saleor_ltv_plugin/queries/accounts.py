"""The account list: one validated filter spec → a queryset over AccountMetrics.

The same spec backs GraphQL ``ltvAccounts``, the REST account list and export, and
saved segments (stored as JSON), so a segment means the same thing everywhere.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from ..engine.cpm import CELLS
from ..engine.lifecycle import STAGES
from ..engine.rfm import SEGMENTS
from ..models import AccountContact, AccountMetrics, OrderLineFact
from .errors import InputError

# Range filters: field of the spec → (model field, parser).
_NUMBER = "number"
_DATE = "date"
_INT = "int"
RANGES = {
    "r_score": ("r_score", _INT),
    "f_score": ("f_score", _INT),
    "m_score": ("m_score", _INT),
    "rfm_rank": ("rfm_rank", _INT),
    "frequency": ("frequency", _INT),
    "monetary": ("monetary", _NUMBER),
    "clv": ("clv", _NUMBER),
    "p_alive": ("p_alive", _NUMBER),
    "overdue_ratio": ("overdue_ratio", _NUMBER),
    "recency_days": ("recency_days", _INT),
    "next_purchase_on": ("next_purchase_on", _DATE),
    "last_purchase_at": ("last_purchase_at", _DATE),
    "first_purchase_at": ("first_purchase_at", _DATE),
}
CHOICES = {"stages": ("stage", STAGES), "cpm_cells": ("cpm_cell", CELLS), "rfm_segments": ("rfm_segment", SEGMENTS)}
TEXT = ("channel", "currency", "search", "sku", "acquisition_source")
FILTER_FIELDS = (*TEXT, *CHOICES, *RANGES, "churn_risk")

# Sort keys: name → model field. Ties break on the account id, in the same direction.
SORT_FIELDS = {
    "monetary": "monetary",
    "frequency": "frequency",
    "recency_days": "recency_days",
    "last_purchase_at": "last_purchase_at",
    "first_purchase_at": "first_purchase_at",
    "next_purchase_on": "next_purchase_on",
    "overdue_ratio": "overdue_ratio",
    "p_alive": "p_alive",
    "clv": "clv",
    "expected_purchases": "expected_purchases",
    "average_order_value": "average_order_value",
    "tenure_days": "tenure_days",
    "rfm_rank": "rfm_rank",
    "name": "account__display_name",
}
MAX_TEXT = 255
MAX_INT = 2**31 - 1  # the integer columns' range; beyond it PostgreSQL would compare numerics


def _parse(kind: str, value: Any) -> Any:
    if kind == _DATE:
        if isinstance(value, dt.date):
            return value
        return dt.date.fromisoformat(str(value))
    if kind == _INT:
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError
        if not -MAX_INT <= int(value) <= MAX_INT:
            raise ValueError
        return int(value)
    if isinstance(value, bool):
        raise ValueError
    number = Decimal(str(value))
    if not number.is_finite():
        raise ValueError
    return number


def clean_filter(raw: dict | None) -> dict:
    """Validate a filter; returns a normalised JSON-safe dict or raises InputError by field."""
    raw = dict(raw or {})
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for name in raw:
        if name not in FILTER_FIELDS:
            errors[f"filter.{name}"] = "unknown filter"
    for name in TEXT:
        value = raw.get(name)
        if value in (None, ""):
            continue
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            errors[f"filter.{name}"] = f"must be text of at most {MAX_TEXT} characters"
        else:
            clean[name] = value.strip()
    for name, (_, allowed) in CHOICES.items():
        values = raw.get(name)
        if values in (None, []):
            continue
        if not isinstance(values, (list, tuple)) or not all(isinstance(v, str) for v in values):
            errors[f"filter.{name}"] = "must be a list of names"
            continue
        bad = [v for v in values if v not in allowed]
        if bad:
            errors[f"filter.{name}"] = f"unknown value(s) {', '.join(bad[:5])}; allowed: {', '.join(allowed)}"
        else:
            clean[name] = sorted(set(values))
    for name, (_, kind) in RANGES.items():
        bounds = raw.get(name)
        if bounds is None:
            continue
        if not isinstance(bounds, dict) or set(bounds) - {"gte", "lte"}:
            errors[f"filter.{name}"] = "must be an object with gte and/or lte"
            continue
        parsed = {}
        for side in ("gte", "lte"):
            if bounds.get(side) is None:
                continue
            try:
                parsed[side] = _parse(kind, bounds[side])
            except (TypeError, ValueError, InvalidOperation, OverflowError):
                what = {"date": "an ISO date (YYYY-MM-DD)", "int": f"a whole number of at most {MAX_INT}",
                        "number": "a finite number"}[kind]
                errors[f"filter.{name}.{side}"] = f"must be {what}"
        if "gte" in parsed and "lte" in parsed and parsed["gte"] > parsed["lte"]:
            errors[f"filter.{name}"] = "gte must not be greater than lte"
        if parsed:
            clean[name] = {k: (v.isoformat() if isinstance(v, dt.date) else str(v) if isinstance(v, Decimal) else v)
                           for k, v in parsed.items()}
    if raw.get("churn_risk") is not None:
        if not isinstance(raw["churn_risk"], bool):
            errors["filter.churn_risk"] = "must be true or false"
        else:
            clean["churn_risk"] = raw["churn_risk"]
    if errors:
        raise InputError(errors)
    return clean


def base_queryset() -> QuerySet:
    # Erased accounts stay listed under their anonymised key (their revenue stays in the
    # totals); filtering them here would cost a join on every list and count.
    return AccountMetrics.objects.all()


def filter_accounts(spec: dict, queryset: QuerySet | None = None) -> QuerySet:
    """Apply a filter already passed through :func:`clean_filter`."""
    qs = base_queryset() if queryset is None else queryset
    if spec.get("channel"):
        qs = qs.filter(channel=spec["channel"])
    if spec.get("currency"):
        qs = qs.filter(currency=spec["currency"].upper())
    for name, (field, _) in CHOICES.items():
        if spec.get(name):
            qs = qs.filter(**{f"{field}__in": spec[name]})
    for name, (field, kind) in RANGES.items():
        for side, value in (spec.get(name) or {}).items():
            qs = qs.filter(**{f"{field}__{side}": _parse(kind, value)})
    if "churn_risk" in spec:
        qs = qs.filter(churn_risk=spec["churn_risk"])
    if spec.get("search"):
        term = spec["search"]
        qs = qs.filter(
            Q(account__display_name__icontains=term)
            | Q(account__key__icontains=term.lower())
            | Exists(
                AccountContact.objects.filter(
                    account_id=OuterRef("account_id"), contact__email__icontains=term
                )
            )
        )
    if spec.get("acquisition_source"):  # the first order's utm_source (ingest/acquisition.py)
        qs = qs.filter(account__acquisition_source=spec["acquisition_source"])
    if spec.get("sku"):
        qs = qs.filter(
            Exists(
                OrderLineFact.objects.filter(
                    order__account_id=OuterRef("account_id"), order__counts_as_purchase=True, sku=spec["sku"]
                )
            )
        )
    return qs


def clean_sort(field: str | None, direction: str | None) -> list[tuple[str, bool]]:
    """Sort keys as [(model field, descending)], ending with the id tiebreak."""
    field = (field or "monetary").lower()
    direction = (direction or "desc").lower()
    errors = {}
    if field not in SORT_FIELDS:
        errors["sort_by.field"] = f"unknown sort field {field!r}; allowed: {', '.join(SORT_FIELDS)}"
    if direction not in ("asc", "desc"):
        errors["sort_by.direction"] = "must be asc or desc"
    if errors:
        raise InputError(errors)
    descending = direction == "desc"
    return [(SORT_FIELDS[field], descending), ("account_id", descending)]
