"""Split conditions and exit conditions, each evaluated in SQL for a whole group of enrollments.

Every function takes the ids of enrollments in one group and returns the ids for which the
condition holds — one query per group, never one per enrollment. "Since entry" means after
the enrollment's ``created_at`` (the scan's clock when it entered).
"""

from __future__ import annotations

from typing import Iterable

from django.db import connection
from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.fields.json import KT

from ...models import (AccountContact, AccountMetrics, AccountTag, CallOutcome, CheckoutFact, CheckoutState,
                       ConsentState, Contact, Enrollment, OrderFact, OutboxMessage, SavedSegment)
from ...queries.accounts import clean_filter, filter_accounts

OPS = {"<": "lt", "<=": "lte", "=": "exact", "!=": "exact", ">=": "gte", ">": "gt"}


def _ids(ids: Iterable[int]):
    ids = list(ids)
    if connection.vendor == "postgresql":  # one array parameter, not a thousand placeholders to build and parse
        return Enrollment.objects.filter(id__in=RawSQL("SELECT unnest(%s::bigint[])", [ids]))
    return Enrollment.objects.filter(id__in=ids)


def _matching(ids, condition: Q | Exists) -> set[int]:
    return set(_ids(ids).filter(condition).values_list("id", flat=True))


def ordered_since_entry() -> Q:
    """A counting purchase after entry: by the account, or by the contact when there is none."""
    purchases = OrderFact.objects.filter(counts_as_purchase=True, created_at__gt=OuterRef("created_at"))
    return (Q(account_id__isnull=False) & Exists(purchases.filter(account_id=OuterRef("account_id")))) | (
        Q(account_id__isnull=True) & Exists(purchases.filter(contact_id=OuterRef("contact_id"))))


def _segment_accounts(segment_id, channel: str):
    segment = SavedSegment.objects.filter(pk=segment_id, channel=channel).first()
    if segment is None:
        return None
    return filter_accounts({**clean_filter(segment.filter), "channel": channel}).values("account_id")


def in_segment(ids, segment_id, channel: str) -> set[int]:
    accounts = _segment_accounts(segment_id, channel)
    return set() if accounts is None else _matching(ids, Q(account_id__in=accounts))


def _message_activity(ids, column: str, step: str | None) -> set[int]:
    rows = OutboxMessage.objects.filter(enrollment_id__in=list(ids), **{f"{column}__isnull": False})
    if step:
        rows = rows.filter(step_id=step)
    return set(rows.values_list("enrollment_id", flat=True).distinct())


def _metric(ids, metric: str, op: str, value) -> set[int]:
    matches = AccountMetrics.objects.filter(**{f"{metric}__{OPS[op]}": value}).values("account_id")
    condition = Q(account_id__in=matches)
    return _matching(ids, ~condition & Q(account_id__isnull=False) if op == "!=" else condition)


def _last_call_outcome(ids, outcome: str) -> set[int]:
    latest = CallOutcome.objects.filter(enrollment_id=OuterRef("id")).order_by("-recorded_at", "-id")
    return set(_ids(ids).annotate(last_call=Subquery(latest.values("outcome")[:1]))
               .filter(last_call=outcome).values_list("id", flat=True))


def split(ids: list[int], condition: dict, channel: str) -> set[int]:
    """The enrollments (of `ids`) that take a split's "yes" branch."""
    kind = condition["kind"]
    if not ids:
        return set()
    if kind in ("opened", "clicked"):
        return _message_activity(ids, f"{kind}_at", condition.get("step"))
    if kind == "ordered":
        return _matching(ids, ordered_since_entry())
    if kind == "in_segment":
        return in_segment(ids, condition["segment_id"], channel)
    if kind == "metric":
        return _metric(ids, condition["metric"], condition["op"], condition["value"])
    if kind == "has_tag":
        return _matching(ids, Q(account_id__in=AccountTag.objects.filter(tag=condition["tag"]).values("account_id")))
    if kind == "call_outcome":
        return _last_call_outcome(ids, condition["outcome"])
    raise ValueError(f"unknown condition {kind!r}")  # definition.parse refuses it before it gets here


# ---- exits ------------------------------------------------------------------------------------------------

def _unsubscribed() -> Q:
    """Its contact withdrew e-mail consent; an account-wide enrollment: none of its buyers is left."""
    gone = Q(unsubscribed_at__isnull=False) | Q(marketing_consent=ConsentState.REVOKED)
    reachable = AccountContact.objects.filter(account_id=OuterRef("account_id"), contact__erased_at__isnull=True,
                                              contact__unsubscribed_at__isnull=True).exclude(
        contact__marketing_consent=ConsentState.REVOKED).exclude(contact__email="")
    return (Q(contact_id__isnull=False) & Q(contact_id__in=Contact.objects.filter(gone).values("pk"))) | (
        Q(contact_id__isnull=True, account_id__isnull=False) & ~Exists(reachable))


def _checkout_started() -> Q:
    """A checkout since entry by its contact, or (account-wide) by any of the account's buyers."""
    since = CheckoutFact.objects.filter(created_at__gt=OuterRef("created_at"))
    buyers = AccountContact.objects.filter(account_id=OuterRef(OuterRef("account_id"))).values("contact_id")
    return (Q(contact_id__isnull=False) & Exists(since.filter(contact_id=OuterRef("contact_id")))) | (
        Q(contact_id__isnull=True, account_id__isnull=False) & Exists(since.filter(contact_id__in=buyers)))


def exits(ids: list[int], exit_on: Iterable[str], segment_id: int | None, channel: str) -> dict[int, str]:
    """enrollment id → the first exit condition (in `exit_on`'s order) it meets."""
    found: dict[int, str] = {}
    remaining = set(ids)
    for reason in exit_on:
        if not remaining:
            break
        if reason == "ordered":
            hit = _matching(remaining, ordered_since_entry())
        elif reason == "checkout_completed":
            completed = CheckoutFact.objects.filter(state=CheckoutState.COMPLETED)
            hit = set(_ids(remaining).annotate(token=KT("context__checkout_token"))
                      .filter(token__in=completed.values("token")).values_list("id", flat=True))
        elif reason == "checkout_started":
            hit = _matching(remaining, _checkout_started())
        elif reason == "left_segment":
            accounts = _segment_accounts(segment_id, channel) if segment_id else None
            hit = set(remaining) if segment_id and accounts is None else (
                _matching(remaining, ~Q(account_id__in=accounts)) if accounts is not None else set())
        elif reason == "unsubscribed":
            hit = _matching(remaining, _unsubscribed())
        else:
            continue
        for enrollment_id in hit:
            found[enrollment_id] = reason
        remaining -= hit
    return found
