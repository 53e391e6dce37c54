"""Keyset (cursor) pagination with Relay's first/after/last/before, nulls sorted last.

A cursor is the row's sort key, base64-encoded JSON, so page N costs the same as page 1
and rows inserted meanwhile neither repeat nor vanish. Page size is bounded. Cursors are
signed: a crafted one (a huge number, a wrong type, NUL) never reaches the database.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.db.models import F, Q, QuerySet

from .counting import start_count
from .errors import InputError

MAX_PAGE = 100
_SIGNER = signing.Signer(salt="saleor_ltv_plugin.cursor")  # its own key, derived from SECRET_KEY


@dataclass
class Page:
    rows: list
    cursors: list[str]
    has_next_page: bool
    has_previous_page: bool
    queryset: QuerySet  # unpaginated, for totalCount on demand
    counter: Any = None  # a started count (queries.counting), when the caller asked for one

    @property
    def start_cursor(self) -> str | None:
        return self.cursors[0] if self.cursors else None

    @property
    def end_cursor(self) -> str | None:
        return self.cursors[-1] if self.cursors else None

    def total_count(self) -> int:
        return self.counter() if self.counter is not None else self.queryset.count()


def _value(row, path: str):
    for part in path.split("__"):
        row = getattr(row, part) if row is not None else None
        if part == "account" and row is None:
            return None
    return row


def encode_cursor(row, keys) -> str:
    values = [_value(row, field) for field, _ in keys]
    text = json.dumps([v if v is None or isinstance(v, (int, float, str)) else str(v) for v in values])
    signed = _SIGNER.sign(json.dumps([[field for field, _ in keys], text]))
    return base64.urlsafe_b64encode(signed.encode()).decode()


def _decode_cursor(cursor: str, keys, model, name: str) -> list:
    try:
        fields, text = json.loads(_SIGNER.unsign(base64.urlsafe_b64decode(cursor.encode()).decode()))
        values = json.loads(text)
        if fields != [field for field, _ in keys] or not isinstance(values, list) or len(values) != len(keys):
            raise ValueError
        out = []
        for (path, _), value in zip(keys, values):
            field = model._meta.get_field(path.split("__")[0])
            if "__" in path:
                field = field.related_model._meta.get_field(path.split("__", 1)[1])
            out.append(None if value is None else field.to_python(value))
        return out
    except Exception:  # noqa: BLE001 — any undecodable cursor is the caller's mistake
        raise InputError({name: "is not a cursor of this list (it may belong to another sort order)"}) from None


def _beyond(keys, values, forward: bool) -> Q:
    """Rows strictly after (forward) or before the key tuple, nulls last."""
    clause = Q(pk__in=[])
    equal = Q()
    for (path, desc), value in zip(keys, values):
        if forward:
            if value is None:
                step = Q(pk__in=[])
            else:
                step = Q(**{f"{path}__{'lt' if desc else 'gt'}": value}) | Q(**{f"{path}__isnull": True})
        else:
            if value is None:
                step = Q(**{f"{path}__isnull": False})
            else:
                step = Q(**{f"{path}__{'gt' if desc else 'lt'}": value})
        clause |= equal & step
        equal &= Q(**{f"{path}__isnull": True}) if value is None else Q(**{path: value})
    return clause


# NOT NULL columns whose sort index still says NULLS LAST (AccountMetrics' ltv_metrics_by_spend,
# migration 0009): their sort must say it too, or PostgreSQL sorts every row instead.
INDEXED_NULLS_LAST = {"monetary"}


def _nulls_clause(model, path: str) -> bool:
    """Whether the sort of `path` names its nulls order (nullable, or indexed so)."""
    if path in INDEXED_NULLS_LAST:
        return True
    field = model._meta.get_field(path.split("__")[0])
    if "__" in path:
        field = field.related_model._meta.get_field(path.split("__", 1)[1])
    return field.null


def _order(keys, reverse: bool, model) -> list:
    # Reversed (for `last`), "desc nulls last" becomes "asc nulls first". NOT NULL columns get
    # no NULLS clause (but those above): PostgreSQL matches an index to a sort only with the same
    # nulls order. On a NOT NULL column the clause changes no row's place.
    out = []
    for path, desc in keys:
        nulls = ({"nulls_first": True} if reverse else {"nulls_last": True}) if _nulls_clause(model, path) else {}
        out.append(F(path).desc(**nulls) if desc != reverse else F(path).asc(**nulls))
    return out


def paginate(queryset: QuerySet, keys, *, first=None, after=None, last=None, before=None,
             with_count: bool = False) -> Page:
    errors = {}
    if first is not None and last is not None:
        errors["first"] = "give first or last, not both"
    for name, value in (("first", first), ("last", last)):
        if value is not None and not (0 <= value <= MAX_PAGE):
            errors[name] = f"must be between 0 and {MAX_PAGE}"
    if first is None and last is None:
        errors.setdefault("first", f"give first or last (at most {MAX_PAGE})")
    if errors:
        raise InputError(errors)
    model = queryset.model
    base = queryset
    counter = start_count(queryset) if with_count else None  # overlaps the page query
    qs = queryset
    if after:
        qs = qs.filter(_beyond(keys, _decode_cursor(after, keys, model, "after"), True))
    if before:
        qs = qs.filter(_beyond(keys, _decode_cursor(before, keys, model, "before"), False))
    if last is not None and first is None:
        rows = list(qs.order_by(*_order(keys, True, model))[: last + 1])
        has_previous = len(rows) > last
        rows = rows[:last][::-1]
        has_next = bool(before)
    else:
        rows = list(qs.order_by(*_order(keys, False, model))[: first + 1])
        has_next = len(rows) > first
        rows = rows[:first]
        has_previous = bool(after)
    return Page(rows, [encode_cursor(r, keys) for r in rows], has_next, has_previous, base, counter)
