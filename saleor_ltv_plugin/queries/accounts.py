"""The account list: one validated filter → a queryset over AccountMetrics, and its sort keys.

The same filter language (segment_spec: validation, segment_sql: SQL) backs GraphQL
``ltvAccounts``, the REST account list and export, the Dashboard's segment builder, saved
segments (stored as JSON) and the flows that start from them, so a segment means the same
thing everywhere.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from ..models import AccountMetrics
from .errors import InputError
from .segment_spec import CHOICES, FILTER_FIELDS, RANGES, clean_filter  # noqa: F401 — the list's public names
from .segment_sql import compile_filter

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


def base_queryset() -> QuerySet:
    # Erased accounts stay listed under their anonymised key (their revenue stays in the
    # totals); filtering them here would cost a join on every list and count.
    return AccountMetrics.objects.all()


def filter_accounts(spec: dict, queryset: QuerySet | None = None, *, now: dt.datetime | None = None) -> QuerySet:
    """Apply a filter already passed through :func:`clean_filter` ("the last N days" end at `now`)."""
    qs = base_queryset() if queryset is None else queryset
    return qs.filter(compile_filter(spec, now)) if spec else qs


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
