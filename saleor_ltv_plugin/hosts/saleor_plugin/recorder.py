"""The plugin's capture: at most one inbound-event row per Saleor object per request.

A checkoutComplete fires seven hooks for one order (order_created, order_confirmed, order_updated,
order_paid, order_fully_paid …). Applying an event re-reads the object's current state, so one row
per object says all the inbox needs. Within a request or a Celery task (a *scope*) the first hook
for an object writes its row and later ones for that object write nothing; outside any scope (a
management command, a shell) every hook writes, as before.

A hook fired inside Saleor's transaction writes when that transaction commits: when it rolls back
nothing is recorded, and the object is not remembered as done, so a retry in the same request
records it. Saleor fires most hooks after its commit (saleor.core.utils.events.call_event), and
those write at once, before the buyer's response leaves. A deletion carries what erasure needs,
so it is recorded even after another event for that user.

Nothing here raises: PluginsManager does not catch, and order_created runs inside the buyer's
checkoutComplete; a failed write is logged and left to reconcile.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterable
from functools import partial

from django.core.signals import request_finished, request_started
from django.db import transaction

from ... import db, faults
from ...ingest import inbox
from ...models import Source
from .mapping import DELETION_KINDS

logger = logging.getLogger(__name__)

Event = tuple[str, str, dict | None]  # kind, object reference, payload


class _Scope(threading.local):
    # Object keys recorded in this request or task; None outside any scope.
    seen: set[tuple[str, bool]] | None = None
    in_request: bool = False
    tasks: int = 0  # eager Celery tasks run inside a request (or a task): they join its scope


_scope = _Scope()


def begin(**_kwargs) -> None:
    """A request: a fresh scope, always (requests never nest in a thread)."""
    _scope.seen, _scope.in_request, _scope.tasks = set(), True, 0


def end(**_kwargs) -> None:
    _scope.seen, _scope.in_request, _scope.tasks = None, False, 0


def begin_task(**_kwargs) -> None:
    if _scope.seen is None:
        _scope.seen = set()
    _scope.tasks += 1


def end_task(**_kwargs) -> None:
    _scope.tasks -= 1
    if _scope.tasks <= 0 and not _scope.in_request:
        end()


def connect() -> None:
    """Open a scope per request and per Celery task (the host calls this once at start-up)."""
    request_started.connect(begin, dispatch_uid="ltv-capture-begin")
    request_finished.connect(end, dispatch_uid="ltv-capture-end")
    try:
        from celery.signals import task_postrun, task_prerun
    except ImportError:  # pragma: no cover — Saleor always ships Celery
        return
    task_prerun.connect(begin_task, weak=False, dispatch_uid="ltv-capture-begin")
    task_postrun.connect(end_task, weak=False, dispatch_uid="ltv-capture-end")


def record(kind: str, ref: str, payload: dict | None = None) -> None:
    """One hook's event; never raises."""
    _when_committed([(kind, ref, payload)])


def record_many(kind: str, refs: Iterable[str]) -> None:
    """One hook's events for several objects (order_bulk_created); never raises."""
    _when_committed([(kind, ref, None) for ref in refs])


def _when_committed(events: list[Event]) -> None:
    try:
        if transaction.get_connection().in_atomic_block:
            transaction.on_commit(partial(_write, events))  # dropped with Saleor's rollback
        else:
            _write(events)
    except Exception:  # noqa: BLE001 — never raise into Saleor; reconcile recovers
        logger.exception("ltv: could not record %s", events[0][0] if events else "an event")


def _key(event: Event) -> tuple[str, bool]:
    return event[1], event[0] in DELETION_KINDS


def _write(events: list[Event]) -> None:
    try:
        faults.check_hooks()
        seen = _scope.seen
        fresh: dict[tuple[str, bool], Event] = {}
        for event in events:
            if seen is None or _key(event) not in seen:
                fresh.setdefault(_key(event), event)
        if not fresh:
            return
        with db.writer(), _guarded_write():
            if len(fresh) == 1:
                inbox.record(Source.SALEOR, *next(iter(fresh.values())))
            else:
                inbox.record_many(Source.SALEOR, list(fresh.values()))
        if seen is not None:
            seen.update(fresh)
    except Exception:  # noqa: BLE001 — never raise into Saleor; reconcile recovers
        logger.exception("ltv: could not record %s %s", events[0][0], events[0][1])


def _guarded_write():
    """Inside a transaction: a savepoint, so our failure never poisons it.

    Outside one (order_created runs in on_commit, in autocommit) a plain statement is
    already atomic, and skipping the savepoint saves two round trips per event.
    """
    connection = transaction.get_connection()
    return transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()
