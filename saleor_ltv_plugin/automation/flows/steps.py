"""What each step kind does to a group of enrollments standing on the same step of the same version.

A step function gets the whole group and answers one `Move` per enrollment; it writes in bulk
(outbox rows, tags) through the tick's `Batch`, never one query per enrollment. Outbox rows
keep the scenarios' idempotency keys, so a step run twice (a retried tick, a killed worker's
batch run again) creates each message once.
"""

from __future__ import annotations

import hashlib
import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ... import conf
from ...models import AccountTag, DeliveryKind, FlowAbWinner
from ..enroll import STAFF_STEP_BASE, STALE_AFTER
from ..triggers import buyers_of
from . import conditions
from .definition import Definition, Step


@dataclass
class Walker:
    """One claimed enrollment moving through the tick (its row is written once, at the end)."""

    id: int
    scenario: str  # the flow's key
    channel: str
    trigger_ref: str
    account_id: int | None
    contact_id: int | None
    holdout: bool
    variants: dict
    position: str
    due_at: datetime  # the moment its current step was due: delays count from here, not from a late tick
    visits: dict = field(default_factory=dict)  # step id → its visit number this pass
    delays_passed: set = field(default_factory=set)  # delay steps walked through this tick


@dataclass(frozen=True)
class Move:
    branch: str = ""
    next: str | None = None  # the step to run next (None: the flow ends here)
    wait_until: datetime | None = None  # a delay: run `next` then
    outcome: str = "done"  # done, holdout, or the exit reason
    end: bool = False  # an exit step


@dataclass
class Batch:
    """What the tick writes once per claimed batch; tags are written as they come (a later split reads them)."""

    now: datetime
    messages: list = field(default_factory=list)  # outbox rows as {OutboxMessage field: value}
    _buyers: dict = field(default_factory=dict)
    _winners: dict = field(default_factory=dict)  # (flow id, A/B step id) → the auto-winner's key, or None

    def buyers(self, walkers: list[Walker]) -> dict[int, list[int]]:
        missing = {w.account_id for w in walkers if w.account_id and w.account_id not in self._buyers}
        if missing:
            found = buyers_of(missing)
            self._buyers.update({a: found.get(a, []) for a in missing})
        return self._buyers

    def winner(self, flow_id: int | None, step_id: str) -> str | None:
        """The variant an A/B step's auto-winner chose (automation/flows/winners.py), once per batch."""
        if (flow_id, step_id) not in self._winners:
            self._winners[(flow_id, step_id)] = (FlowAbWinner.objects.filter(flow_id=flow_id, step_id=step_id)
                                                 .values_list("variant", flat=True).first())
        return self._winners[(flow_id, step_id)]


def _key(walker: Walker, step: Step, *tail) -> str:
    # A second visit of a step (a loop through a delay) is a new message; the first keeps today's key.
    visit = walker.visits.get(step.id, 0)
    parts = [walker.scenario, walker.channel, walker.trigger_ref, step.id, *map(str, tail)]
    key = ":".join(parts)
    return f"{key}:v{visit}" if visit else key


@dataclass(frozen=True)
class Plan:
    """A published version made ready to run: parsed once per version id (the tick caches it)."""

    version_id: int
    flow_key: str
    definition: Definition
    ab_upstream: dict  # step id → the A/B steps (document order) that can lead to it
    looping: frozenset  # steps on a loop (through a delay): their visits are counted
    flow_id: int | None = None

    @classmethod
    def of(cls, version_id: int, flow_key: str, definition: Definition, flow_id: int | None = None) -> "Plan":
        parents: dict[str, set[str]] = {}
        for s in definition.steps.values():
            for target in s.successors():
                parents.setdefault(target, set()).add(s.id)
        upstream, looping = {}, set()
        for step_id in definition.steps:
            seen, todo = set(), [step_id]
            while todo:
                for parent in parents.get(todo.pop(), ()):
                    if parent not in seen:
                        seen.add(parent)
                        todo.append(parent)
            upstream[step_id] = [sid for sid in definition.steps if sid in seen and definition.steps[sid].kind == "ab"]
            if step_id in seen:
                looping.add(step_id)
        return cls(version_id, flow_key, definition, upstream, frozenset(looping), flow_id)

    def variant(self, walker: Walker, step: Step) -> str:
        """The variant of the last A/B step (in document order) upstream of this one that it passed."""
        found = ""
        for ab_id in self.ab_upstream[step.id]:
            found = walker.variants.get(ab_id, found)
        return found


def wake_time(step: Step, base: datetime, timezone_name: str) -> datetime:
    """`hours` after base, then (with until_hour) the next such hour of the shop's day, weekdays only if asked."""
    moment = base + timedelta(hours=float(step.params.get("hours") or 0))
    hour = step.params.get("until_hour")
    if hour is None:
        return moment
    zone = zoneinfo.ZoneInfo(timezone_name)
    local = moment.astimezone(zone)
    target = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if target < local:
        target += timedelta(days=1)
    while step.params.get("weekdays_only") and target.weekday() >= 5:
        target += timedelta(days=1)
    # re-localise: a DST change between the days moves the UTC instant, not the wall-clock hour
    return target.replace(tzinfo=None).replace(tzinfo=zone).astimezone(zoneinfo.ZoneInfo("UTC"))


def delay(step: Step, plan: Plan, walkers: list[Walker], batch: Batch) -> list[Move]:
    zone = conf.channel_settings(walkers[0].channel).timezone
    return [Move(next=step.next, wait_until=wake_time(step, w.due_at, zone)) for w in walkers]


def send(step: Step, plan: Plan, walkers: list[Walker], batch: Batch) -> list[Move]:
    buyers = batch.buyers([w for w in walkers if not w.holdout and not w.contact_id])
    index = plan.definition.message_number(step.id)
    moves = []
    for w in walkers:
        if w.holdout:  # the control group: it walks the flow, it gets no buyer message
            moves.append(Move(next=step.next, outcome="holdout"))
            continue
        if batch.now - w.due_at > STALE_AFTER:  # due long ago (a flow switched on over old data): not sent late
            moves.append(Move(next=step.next, outcome="stale"))
            continue
        contacts = [w.contact_id] if w.contact_id else buyers.get(w.account_id, [])
        variant = plan.variant(w, step)
        for contact_id in contacts:
            batch.messages.append(dict(
                idempotency_key=_key(w, step, contact_id), enrollment_id=w.id, scenario=w.scenario,
                channel=w.channel, step=index, step_id=step.id, variant=variant, kind=step.params["channel"],
                account_id=w.account_id, contact_id=contact_id, due_at=batch.now, created_at=batch.now))
        moves.append(Move(next=step.next, outcome="done" if contacts else "no_contact"))
    return moves


def staff(step: Step, plan: Plan, walkers: list[Walker], batch: Batch) -> list[Move]:
    kind = step.params["channel"]
    moves = []
    for w in walkers:
        if w.holdout and kind == DeliveryKind.CALL_TASK:  # a call is a treatment; a notice is not
            moves.append(Move(next=step.next, outcome="holdout"))
            continue
        batch.messages.append(dict(
            idempotency_key=_key(w, step), enrollment_id=w.id, scenario=w.scenario, channel=w.channel,
            step=STAFF_STEP_BASE + plan.definition.message_number(step.id), step_id=step.id,
            variant=plan.variant(w, step), kind=kind, account_id=w.account_id,
            due_at=batch.now, created_at=batch.now))
        moves.append(Move(next=step.next))
    return moves


def split(step: Step, plan: Plan, walkers: list[Walker], batch: Batch) -> list[Move]:
    yes = conditions.split([w.id for w in walkers], step.condition, walkers[0].channel)
    return [Move(branch="yes", next=step.yes) if w.id in yes else Move(branch="no", next=step.no) for w in walkers]


def ab_variant(flow_key: str, step: Step, account: str) -> dict:
    """Stable per account: sha256(`flow key:step id:account`) picks a variant by weight."""
    total = sum(v["weight"] for v in step.variants)
    digest = hashlib.sha256(f"{flow_key}:{step.id}:{account}".encode()).digest()
    point = int.from_bytes(digest[:8], "big") % total
    for variant in step.variants:
        point -= variant["weight"]
        if point < 0:
            return variant
    return step.variants[-1]


def ab(step: Step, plan: Plan, walkers: list[Walker], batch: Batch) -> list[Move]:
    """An enrollment keeps the variant it got; a new one gets the auto-winner once there is one."""
    won = batch.winner(plan.flow_id, step.id) if step.params.get("auto_winner") else None
    winner = next((v for v in step.variants if v["key"] == won), None)
    moves = []
    for w in walkers:
        unit = f"a{w.account_id}" if w.account_id else f"c{w.contact_id}"
        chosen = w.variants.get(step.id)
        variant = (next((v for v in step.variants if v["key"] == chosen), None) or winner
                   or ab_variant(w.scenario, step, unit))
        w.variants[step.id] = variant["key"]
        moves.append(Move(branch=variant["key"], next=variant.get("next")))
    return moves


def update(step: Step, plan: Plan, walkers: list[Walker], batch: Batch) -> list[Move]:
    accounts = {w.account_id for w in walkers if w.account_id}
    tag, source = step.params["tag"], f"flow:{walkers[0].scenario}"[:64]
    if step.params["action"] == "add_tag":
        AccountTag.objects.bulk_create([AccountTag(account_id=a, tag=tag, source=source, created_at=batch.now)
                                        for a in accounts], ignore_conflicts=True)
    else:
        AccountTag.objects.filter(account_id__in=accounts, tag=tag).delete()
    return [Move(next=step.next, outcome="done" if w.account_id else "no_account") for w in walkers]


def exit_step(step: Step, plan: Plan, walkers: list[Walker], batch: Batch) -> list[Move]:
    return [Move(end=True) for _ in walkers]


RUNNERS = {"delay": delay, "send": send, "staff": staff, "split": split, "ab": ab, "update": update,
           "exit": exit_step}
