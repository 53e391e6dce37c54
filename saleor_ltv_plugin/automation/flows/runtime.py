"""The flow scheduler's tick: move due enrollments through their pinned flow version, set-based.

A tick claims a batch of due enrollments (``FOR UPDATE SKIP LOCKED`` on the ltv_enrollment_due
index, so two workers never run the same one), checks their version's exit conditions, then
groups them by (version, step) and runs each group's step in bulk, again and again until every
enrollment waits on a delay, reached the end or left. Everything a batch writes — outbox rows,
step runs, the enrollments' new positions — commits with the claim in one transaction: a worker
killed mid-batch leaves nothing behind and the batch runs again, creating the same rows (their
unique keys make the second insert a no-op).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import Counter, defaultdict
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Max, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from ...models import Enrollment, EnrollmentState, Flow, FlowState, FlowStepRun, FlowVersion, OutboxMessage
from . import bulk, conditions
from .definition import parse
from .steps import RUNNERS, Batch, Move, Plan, Walker

logger = logging.getLogger(__name__)
BATCH = 1000
_PLANS: dict[tuple[int, str], Plan | None] = {}  # (version id, its definition's digest): parsed once per process


def plans(version_ids) -> dict[int, Plan | None]:
    """Parsed versions by id (None: a stored definition that no longer parses). The definitions are
    read each time (one query) and parsed once: a cache keyed by id alone would outlive a test
    database's rows, or a restored backup's."""
    ids = set(version_ids)
    found = {version.pk: plan_of(version) for version in FlowVersion.objects.filter(id__in=ids).select_related("flow")}
    return {v: found.get(v) for v in ids}


def plan_of(version: FlowVersion) -> Plan | None:
    """One version already read (the outbox's claim reads it with the message), parsed once per process."""
    memo = getattr(version, "_plan_digest", None)  # the instance a batch's messages share (outbox.claim)
    if memo is not None and memo[0] is version.definition:
        digest = memo[1]
    else:
        digest = hashlib.sha256(json.dumps(version.definition, sort_keys=True).encode()).hexdigest()
        version._plan_digest = (version.definition, digest)
    if (version.pk, digest) not in _PLANS:
        definition, problems = parse(version.definition)
        if problems:
            logger.error("ltv flows: version %s of %s does not parse: %s", version.number, version.flow.key, problems)
        _PLANS[(version.pk, digest)] = (Plan.of(version.pk, version.flow.key, definition, version.flow_id)
                                         if definition else None)
    return _PLANS[(version.pk, digest)]


def due(now: datetime):
    """Due enrollments of live flows (a paused flow's enrollments hold where they are).

    The live flows are read first and named as a list: joined to the flow table, the planner sorted
    every due row of every batch (a broadcast's 100 k, a hundred times over) instead of walking the
    ltv_enrollment_due index in order and stopping at the batch's limit."""
    live = list(Flow.objects.filter(state=FlowState.LIVE).values_list("id", flat=True))
    return Enrollment.objects.filter(state=EnrollmentState.ACTIVE, next_at__isnull=False, next_at__lte=now,
                                     flow_version__isnull=False, flow_id__in=live)


# variants as its JSON text: nearly always "{}", decoded only when not (a 100 k broadcast's tick paid
# Django's JSON converter on every row)
CLAIMED = ("id", "scenario", "channel", "trigger_ref", "account_id", "contact_id", "holdout", "variants_text",
           "position", "next_at", "flow_version_id")


def claim(now: datetime, limit: int) -> list[tuple]:
    """Call inside a transaction: the rows stay locked until it ends. Tuples of CLAIMED, not models."""
    rows = due(now).order_by("next_at", "id")
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True, of=("self",))
    rows = rows.annotate(variants_text=Cast("variants", TextField())).values_list(*CLAIMED)[:limit]
    if connection.vendor != "postgresql":
        return list(rows)
    # Without fresh statistics (a 100 k broadcast just entered; autovacuum not yet by) the planner
    # fetches and sorts every due row for each batch of `limit`: quadratic over a broadcast. The
    # due index already holds them in this order; sorting is switched off for this statement only.
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_sort'), set_config('enable_sort', 'off', true)")
        previous = cursor.fetchone()[0]
        claimed = list(rows)
        cursor.execute("SELECT set_config('enable_sort', %s, true)", [previous])
    return claimed


def _walkers(rows: list[tuple]) -> list[tuple[Walker, int]]:
    return [(Walker(i, scenario, channel, ref, account, contact, holdout,
                    json.loads(variants) if variants and variants != "{}" else {}, position, next_at), version)
            for i, scenario, channel, ref, account, contact, holdout, variants, position, next_at, version in rows]


class _Outcome:
    """Where each walker ends this tick: waiting (position, next_at), done, or exited with a reason."""

    def __init__(self):
        self.waiting: dict[int, tuple[Walker, datetime]] = {}
        self.done: list[Walker] = []
        self.exited: dict[int, tuple[Walker, str]] = {}


def _visits(plan: Plan, step_id: str, walkers: list[Walker]) -> dict[int, int]:
    """Visit numbers of a looping step: one more than the last recorded pass."""
    if step_id not in plan.looping:
        return {}
    last = dict(FlowStepRun.objects.filter(enrollment_id__in=[w.id for w in walkers], step_id=step_id)
                .values("enrollment_id").annotate(last=Max("visit")).values_list("enrollment_id", "last"))
    return {w.id: last[w.id] + 1 for w in walkers if w.id in last}


def _run(rows: list[tuple], now: datetime, counts: Counter) -> tuple[_Outcome, list[tuple], Batch]:
    pairs = _walkers(rows)
    by_version = plans([v for _, v in pairs])
    result, runs, batch = _Outcome(), [], Batch(now)
    version_of = {w.id: v for w, v in pairs}
    active: list[Walker] = []
    groups: dict[int, list[Walker]] = defaultdict(list)
    for walker, version_id in pairs:
        groups[version_id].append(walker)
    for version_id, walkers in groups.items():  # exit conditions first, for the whole claimed batch
        plan = by_version[version_id]
        if plan is None:
            result.exited.update({w.id: (w, "invalid_version") for w in walkers})
            continue
        definition = plan.definition
        segment = definition.trigger.get("segment_id") or definition.entry.get("segment_id")
        left = conditions.exits([w.id for w in walkers], definition.exit_on, segment, walkers[0].channel)
        leaving: dict[str, list[Walker]] = defaultdict(list)
        for w in walkers:
            if w.id in left:
                result.exited[w.id] = (w, left[w.id])
                leaving[w.position].append(w)
            else:
                active.append(w)
        for step_id, gone in leaving.items():  # the step it stood on records why it left there
            visits = _visits(plan, step_id, gone)
            runs.extend((w.id, step_id, visits.get(w.id, 0), "", left[w.id], now) for w in gone)
    while active:
        by_step: dict[tuple[int, str], list[Walker]] = defaultdict(list)
        for w in active:
            by_step[(version_of[w.id], w.position)].append(w)
        active = []
        for (version_id, step_id), walkers in by_step.items():
            plan = by_version[version_id]
            step = plan.definition.steps.get(step_id)
            if step is None:
                result.exited.update({w.id: (w, "invalid_step") for w in walkers})
                continue
            visits = _visits(plan, step_id, walkers)
            for w in walkers:
                w.visits[step_id] = visits.get(w.id, 0)
            moves = RUNNERS[step.kind](step, plan, walkers, batch)
            counts[f"step:{step.kind}"] += len(walkers)
            for w, move in zip(walkers, moves):
                runs.append((w.id, step_id, w.visits[step_id], move.branch, move.outcome, now))
                active.extend(_advance(w, move, result, step_id, now))
    return result, runs, batch


def _advance(walker: Walker, move: Move, result: _Outcome, step_id: str, now: datetime) -> list[Walker]:
    """The walker again if it goes on this tick; otherwise it is filed as waiting or done.

    A delay already over (an enrollment entered late, a tick that ran late) is walked through at
    once — but each delay step at most once per tick, so a loop through a delay never spins."""
    if move.end or move.next is None:
        result.done.append(walker)
        return []
    walker.position = move.next
    if move.wait_until is not None:
        walker.due_at = move.wait_until
        if move.wait_until > now or step_id in walker.delays_passed:
            result.waiting[walker.id] = (walker, move.wait_until)
            return []
        walker.delays_passed.add(step_id)
    return [walker]


RUN_FIELDS = ["enrollment_id", "step_id", "visit", "branch", "outcome", "at"]


def _write(result: _Outcome, runs: list[tuple], batch: Batch, now: datetime) -> None:
    bulk.insert_dicts(OutboxMessage, batch.messages)
    bulk.insert_new(FlowStepRun, RUN_FIELDS, runs)
    active, done, exited = EnrollmentState.ACTIVE.value, EnrollmentState.DONE.value, EnrollmentState.EXITED.value
    rows = [(w.id, active, w.position, wake, w.variants, "", None) for w, wake in result.waiting.values()]
    rows += [(w.id, done, w.position, None, w.variants, "", None) for w in result.done]
    # stopped_at also tells the send policy to drop any message of it still waiting in the outbox
    rows += [(w.id, exited, w.position, None, w.variants, reason, now) for w, reason in result.exited.values()]
    _update_enrollments(rows)


FIELDS = ("state", "position", "next_at", "variants", "stop_reason", "stopped_at")


def _update_enrollments(rows: list[tuple]) -> None:
    """The walkers' new positions: tuples of (id, *FIELDS). On PostgreSQL one COPY into a temporary
    table and one UPDATE … FROM it: Django's bulk_update builds a CASE per row and column (80 % of a
    tick's time at 100 k enrollments), and even an UPDATE … FROM (VALUES …) spends most of its time
    quoting the values in Python."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        Enrollment.objects.bulk_update([Enrollment(id=row[0], **dict(zip(FIELDS, row[1:]))) for row in rows],
                                       list(FIELDS), batch_size=1000)
        return
    table, columns = Enrollment._meta.db_table, ", ".join(("id", *FIELDS))
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE ltv_moves ON COMMIT DROP AS SELECT {columns} FROM {table} WITH NO DATA")
        with cursor.cursor.copy(f"COPY ltv_moves ({columns}) FROM STDIN") as copy:
            for i, state, position, next_at, variants, reason, stopped_at in rows:
                copy.write_row((i, state, position, next_at, json.dumps(variants) if variants else "{}", reason,
                                stopped_at))
        assignments = ", ".join(f"{name} = v.{name}" for name in FIELDS)
        cursor.execute(f"UPDATE {table} AS e SET {assignments} FROM ltv_moves AS v WHERE e.id = v.id")
        cursor.execute("DROP TABLE ltv_moves")


def _anything_due(moment: datetime) -> bool:
    """One probe of the ltv_enrollment_due index, in raw SQL: what the beat pays every minute when
    nothing is due, and the ORM's query compilation was most of it."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {Enrollment._meta.db_table} WHERE state = %s AND next_at IS NOT NULL "
                       "AND next_at <= %s LIMIT 1",
                       [EnrollmentState.ACTIVE.value, connection.ops.adapt_datetimefield_value(moment)])
        return cursor.fetchone() is not None


def tick(now: datetime | None = None, limit: int = BATCH, budget_seconds: float = 50) -> dict[str, int]:
    """Run due enrollments batch by batch until none is due or the budget (seconds) is spent.

    `now`: a fixed clock for tests. Returns counts: claimed, done, exited, waiting, step:<kind>."""
    started, counts = time.monotonic(), Counter()
    while time.monotonic() - started < budget_seconds:
        moment = now or timezone.now()
        if not _anything_due(moment):
            break  # the steady state: one index probe, no transaction, no lock
        with transaction.atomic():
            rows = claim(moment, limit)
            if not rows:
                break
            result, runs, batch = _run(rows, moment, counts)
            _write(result, runs, batch, moment)
        counts.update(claimed=len(rows), done=len(result.done), exited=len(result.exited),
                      waiting=len(result.waiting), messages=len(batch.messages))
        if len(rows) < limit:
            break
    return dict(counts)
