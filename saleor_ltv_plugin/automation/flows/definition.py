"""A flow's definition: the JSON document one flow version stores, parsed and checked.

    {"trigger": {"kind": "event", "event": "checkout_abandoned", "idle_hours": 1},
     "entry": {"segment_id": null},                 # optional filter on who may enter
     "exit_on": ["ordered", "checkout_completed"],  # checked before every step
     "reentry": {"mode": "never"},                  # or {"mode": "after_days", "days": 30}
     "holdout_percent": null,                       # null: the shop's share
     "start": "s1",
     "steps": [{"id": "s1", "kind": "send", "channel": "email", "content": {...}, "next": "s2"},
               {"id": "s2", "kind": "delay", "hours": 24, "next": "s3"}, ...]}

Steps form a graph by id: `next` (null ends the flow), a split's `yes` / `no`, an A/B step's
variants' `next`. Every problem is reported with its path (`steps[2].yes`) and names the step,
so an editor can point at it. Checks that need the database (does segment 12 exist?) take a
callable, so this module stays importable without one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from collections.abc import Sequence
from typing import Any, Callable, Iterable

from ...models import CallOutcomeKind, DeliveryKind

MAX_STEPS = 60
MAX_DELAY_HOURS = 24 * 366
STEP_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


@dataclass(frozen=True)
class Problem:
    path: str  # where in the document: "steps[2].next", "trigger.segment_id"
    message: str  # English; the Dashboard words `code` in ja/en
    code: str  # required, unknown, invalid, out_of_range, dangling, cycle, unreachable, missing_segment …
    step: str | None = None  # the step's id, when the problem is in a step

    def as_dict(self) -> dict:
        return {"field": self.path, "message": self.message, "code": self.code, "step": self.step}


# ---- the vocabulary: what a document may say -------------------------------------------------------------

@dataclass(frozen=True)
class Field:
    kind: str  # int, number, bool, text, choice, segment, list
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    choices: Sequence[str] = ()  # a tuple, or RegisteredKinds (the channel registry's, read when used)


def _hours(maximum: float = MAX_DELAY_HOURS, required: bool = False) -> Field:
    return Field("number", required, 0, maximum)


EVENTS = {  # trigger kind "event": what happened, and what the event's own parameters are
    "order_placed": {"nth": Field("int", minimum=1, maximum=100)},  # nth: only the account's Nth purchase
    "order_fulfilled": {},
    "checkout_abandoned": {"idle_hours": _hours(24 * 30, True), "min_total": Field("number", minimum=0, maximum=10**9)},
    "product_viewed": {"idle_hours": _hours(24 * 30, True), "lookback_hours": _hours(24 * 30)},
    "customer_registered": {},
}
METRIC_TRIGGERS = {  # trigger kind "metric": a metric crossing
    # to a lifecycle stage (engine/lifecycle.STAGES); "active": new or repeat buyers; "at_risk": churn risk
    "stage": {"to": Field("choice", True, choices=("new", "active", "at_risk", "dormant", "lost", "prospect",
                                                    "first_repeat", "repeat", "loyal"))},
    "churn_risk": {},
    "reorder_due": {"lead_days": Field("int", True, 0, 60)},
    "p_alive_below": {"value": Field("number", True, 0, 1)},
}
INSIGHT_TRIGGERS = {  # trigger kind "insight": situations the recompute finds
    "cross_sell": {"min_lift": Field("number", True, 1, 1000), "after_days": Field("number", True, 0, 365)},
    "high_intent": {"window_hours": _hours(24 * 14, True), "top_rfm_rank": Field("int", True, 1, 7)},
}
DATE_FIELDS = ("contact.birthday", "contact.registered_at", "account.first_purchase_at", "account.last_purchase_at")
TRIGGERS: dict[str, dict[str, Field]] = {
    "event": {"event": Field("choice", True, choices=tuple(EVENTS))},
    "segment": {"segment_id": Field("segment", True), "on": Field("choice", True, choices=("enter", "leave"))},
    "metric": {"metric": Field("choice", True, choices=tuple(METRIC_TRIGGERS))},
    "insight": {"insight": Field("choice", True, choices=tuple(INSIGHT_TRIGGERS))},
    # a date on the contact or account; `metadata:<key>` reads an ISO date from the contact's metadata
    "date": {"field": Field("text", True), "offset_days": Field("int", False, -365, 365),
             "annual": Field("bool"), "hour": Field("int", False, 0, 23)},
    "schedule": {"segment_id": Field("segment", True), "day_of_month": Field("int", True, 1, 28),
                 "hour": Field("int", False, 0, 23)},
    # a broadcast: the segment's members once, at `send_at` (ISO 8601 with offset) or at publishing
    "broadcast": {"segment_id": Field("segment", True), "send_at": Field("text")},
}
SUBKINDS = {"event": EVENTS, "metric": METRIC_TRIGGERS, "insight": INSIGHT_TRIGGERS}
# Any trigger may also start the flow for the accounts in a saved segment (a ready scenario's
# `segment_id` parameter: in addition to the trigger, not a filter — that is `entry.segment_id`).
ALSO_SEGMENT = {"also_segment_id": Field("segment")}
# never: once per account per flow; after_days: again N days after the last entry;
# each_trigger: once per situation (this cart, this due date, this lapse) — the ready scenarios'.
REENTRY_MODES = ("never", "after_days", "each_trigger")

EXITS = ("ordered", "checkout_completed", "checkout_started", "left_segment", "unsubscribed")


class RegisteredKinds(Sequence):
    """The delivery kinds a send (buyer) or staff step may name, read from the channel registry each
    time: a channel an add-on registers (README: adding a medium) is usable in a flow step at once.
    Built-in kinds first in the order the editor lists them, add-ons after, by name."""

    def __init__(self, buyer: bool, built_in: tuple[str, ...]):
        self.buyer, self.built_in = buyer, built_in

    def _kinds(self) -> tuple[str, ...]:
        from ..channels import registry

        found = set(registry.buyer_kinds())
        found = found if self.buyer else set(registry.kinds()) - found
        return tuple(k for k in self.built_in if k in found) + tuple(sorted(found - set(self.built_in)))

    def __getitem__(self, index):
        return self._kinds()[index]

    def __len__(self) -> int:
        return len(self._kinds())

    def __contains__(self, kind) -> bool:
        return kind in self._kinds()

    def __repr__(self) -> str:
        return f"RegisteredKinds({self._kinds()!r})"


BUYER_CHANNELS = RegisteredKinds(True, (DeliveryKind.EMAIL.value, DeliveryKind.LINE.value, DeliveryKind.SMS.value,
                                        DeliveryKind.POSTAL_DM.value))
STAFF_CHANNELS = RegisteredKinds(False, (DeliveryKind.STAFF_ALERT.value, DeliveryKind.STAFF_EMAIL.value,
                                         DeliveryKind.STAFF_WEBHOOK.value, DeliveryKind.CALL_TASK.value))
CONDITIONS: dict[str, dict[str, Field]] = {
    "opened": {"step": Field("text")},  # has opened (any buyer mail of this enrollment, or the named step's)
    "clicked": {"step": Field("text")},
    "ordered": {},  # since entry
    "in_segment": {"segment_id": Field("segment", True)},
    "metric": {"metric": Field("choice", True, choices=("r_score", "f_score", "m_score", "rfm_rank", "frequency",
                                                         "monetary", "clv", "p_alive", "overdue_ratio",
                                                         "recency_days", "stage", "cpm_cell", "rfm_segment")),
               "op": Field("choice", True, choices=("<", "<=", "=", "!=", ">=", ">")), "value": Field("any", True)},
    "has_tag": {"tag": Field("text", True)},
    # the outcome staff recorded for this enrollment's call task, the latest one (no call yet: "no")
    "call_outcome": {"outcome": Field("choice", True, choices=tuple(CallOutcomeKind.values))},
}
UPDATES: dict[str, dict[str, Field]] = {
    "add_tag": {"tag": Field("text", True)},
    "remove_tag": {"tag": Field("text", True)},
}
STEPS: dict[str, dict[str, Field]] = {
    # delay: `hours`, or `until` the next (week)day at an hour of the shop's time zone
    "delay": {"hours": _hours(), "until_hour": Field("int", False, 0, 23), "weekdays_only": Field("bool")},
    "send": {"channel": Field("choice", True, choices=BUYER_CHANNELS)},  # + "content"
    "staff": {"channel": Field("choice", True, choices=STAFF_CHANNELS)},
    "split": {},  # + "condition", "yes", "no"
    "ab": {},  # + "variants": [{"key", "weight", "next"}], optional "auto_winner" (AUTO_WINNER)
    "update": {"action": Field("choice", True, choices=tuple(UPDATES))},
    "exit": {},
}
GRAPH_KEYS = {"id", "kind", "next", "yes", "no", "variants", "condition", "content", "name"}
# An A/B step's optional auto-winner (engine/experiments.pick_winner): decide once every variant has
# `min_recipients` recipients or `min_days` have passed since the first one was assigned (at least one of
# the two), on recipients who ordered or who clicked; later entrants then all get the winner.
AUTO_WINNER: dict[str, Field] = {
    "metric": Field("choice", True, choices=("orders", "clicks")),
    "min_recipients": Field("int", False, 10, 1_000_000),
    "min_days": Field("number", False, 1, 365),
    "threshold": Field("number", False, 0.5, 0.999),  # P(best) the winner needs; default AUTO_WINNER_THRESHOLD
}
AUTO_WINNER_THRESHOLD = 0.95


# ---- parsed form --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    id: str
    kind: str
    params: dict[str, Any]
    next: str | None = None
    yes: str | None = None
    no: str | None = None
    variants: tuple[dict, ...] = ()  # ({"key": "A", "weight": 50, "next": "s4"}, …)
    condition: dict | None = None
    content: dict | None = None
    name: str = ""

    def successors(self) -> list[str]:
        if self.kind == "split":
            return [s for s in (self.yes, self.no) if s]
        if self.kind == "ab":
            return [v["next"] for v in self.variants if v.get("next")]
        return [self.next] if self.next else []


@dataclass(frozen=True)
class Definition:
    trigger: dict
    start: str
    steps: dict[str, Step]  # in the document's order
    exit_on: tuple[str, ...] = ("ordered",)
    reentry: dict = field(default_factory=lambda: {"mode": "never"})
    entry: dict = field(default_factory=dict)
    holdout_percent: int | None = None

    def step_index(self, step_id: str) -> int:
        """A step's ordinal in the document."""
        return list(self.steps).index(step_id)

    def message_number(self, step_id: str) -> int:
        """What the outbox's small `step` column stores: the step's number among the steps of its
        kind (send or staff), in document order — a ready scenario's mail 0, 1, 2 and staff steps
        0 … as the scenarios numbered them."""
        kind = self.steps[step_id].kind
        return [s.id for s in self.steps.values() if s.kind == kind].index(step_id)


def segment_ids_in(raw: Any) -> set[int]:
    """The saved segments a definition document names (trigger, entry filter, in-segment splits),
    read from the raw JSON so that a draft that does not parse yet still counts."""
    if not isinstance(raw, dict):
        return set()
    trigger, entry = raw.get("trigger") or {}, raw.get("entry") or {}
    found = [trigger.get("segment_id"), trigger.get("also_segment_id")] if isinstance(trigger, dict) else []
    found += [entry.get("segment_id")] if isinstance(entry, dict) else []
    for step in raw.get("steps") or ():
        condition = step.get("condition") if isinstance(step, dict) else None
        if isinstance(condition, dict) and condition.get("kind") == "in_segment":
            found.append(condition.get("segment_id"))
    return {s for s in found if isinstance(s, int) and not isinstance(s, bool)}


# ---- checking ----------------------------------------------------------------------------------------

ContentCheck = Callable[[dict, str], Iterable[Problem]]  # (content, path) → problems
SegmentExists = Callable[[int], bool]


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _field_problem(spec: Field, value, path: str, segment_exists: SegmentExists | None) -> Problem | None:
    if value is None:
        return Problem(path, "is required", "required") if spec.required else None
    if spec.kind == "any":
        ok = isinstance(value, (str, int, float)) and not isinstance(value, bool)
        return None if ok else Problem(path, "must be a number or a text", "invalid")
    if spec.kind in ("int", "segment"):
        if not isinstance(value, int) or isinstance(value, bool):
            return Problem(path, "must be a whole number" if spec.kind == "int" else "must be a saved segment id",
                           "invalid")
        if spec.kind == "segment":
            if value < 1 or (segment_exists is not None and not segment_exists(value)):
                return Problem(path, f"segment {value} does not exist in this channel", "missing_segment")
            return None
    if spec.kind == "number" and not _is_number(value):
        return Problem(path, "must be a number", "invalid")
    if spec.kind in ("int", "number"):
        if (spec.minimum is not None and value < spec.minimum) or (spec.maximum is not None and value > spec.maximum):
            return Problem(path, f"must be from {spec.minimum:g} to {spec.maximum:g}", "out_of_range")
    if spec.kind == "bool" and not isinstance(value, bool):
        return Problem(path, "must be true or false", "invalid")
    if spec.kind in ("text", "choice"):
        if not isinstance(value, str) or not value.strip() or len(value) > 200 or "\x00" in value:
            return Problem(path, "must be a text of 1 to 200 characters", "invalid")
        if spec.kind == "choice" and value not in spec.choices:
            return Problem(path, f"unknown value {value!r}; use one of {', '.join(spec.choices)}", "unknown")
    return None


def _fields(specs: dict[str, Field], raw: dict, path: str, allowed: set[str], segment_exists,
            step: str | None = None) -> list[Problem]:
    problems = [Problem(f"{path}.{k}", f"unknown field {k!r}", "unknown", step)
                for k in raw if k not in specs and k not in allowed]
    for name, spec in specs.items():
        problem = _field_problem(spec, raw.get(name), f"{path}.{name}", segment_exists)
        if problem:
            problems.append(Problem(problem.path, problem.message, problem.code, step))
    return problems


def _trigger_problems(trigger, segment_exists) -> list[Problem]:
    if not isinstance(trigger, dict):
        return [Problem("trigger", "must be an object with a kind", "required")]
    kind = trigger.get("kind")
    if kind not in TRIGGERS:
        return [Problem("trigger.kind", f"unknown trigger {kind!r}; use one of {', '.join(TRIGGERS)}", "unknown")]
    specs = {**TRIGGERS[kind], **ALSO_SEGMENT}
    if kind in SUBKINDS:
        sub_name = next(iter(specs))
        sub = trigger.get(sub_name)
        specs.update(SUBKINDS[kind].get(sub, {}))
    problems = _fields(specs, trigger, "trigger", {"kind"}, segment_exists)
    if kind == "date":
        name = trigger.get("field")
        if isinstance(name, str) and name not in DATE_FIELDS and not re.fullmatch(r"metadata:[\w.-]{1,64}", name):
            problems.append(Problem("trigger.field", f"unknown date {name!r}; use one of {', '.join(DATE_FIELDS)} "
                                    "or metadata:<key>", "unknown"))
    return problems


def _step_problems(index: int, raw, segment_exists, content_check: ContentCheck | None) -> list[Problem]:
    path = f"steps[{index}]"
    if not isinstance(raw, dict):
        return [Problem(path, "must be an object", "invalid")]
    step_id, kind = raw.get("id"), raw.get("kind")
    name = step_id if isinstance(step_id, str) else None
    problems = []
    if not isinstance(step_id, str) or not STEP_ID.match(step_id):
        problems.append(Problem(f"{path}.id", "must be 1 to 32 letters, digits, - or _", "invalid", name))
    if kind not in STEPS:
        return problems + [Problem(f"{path}.kind", f"unknown step kind {kind!r}; use one of {', '.join(STEPS)}",
                                   "unknown", name)]
    specs = dict(STEPS[kind])
    if kind == "update":
        specs.update(UPDATES.get(raw.get("action"), {}))
    allowed = GRAPH_KEYS | ({"auto_winner"} if kind == "ab" else set())
    problems += _fields(specs, raw, path, allowed, segment_exists, name)
    if kind == "delay" and raw.get("hours") is None and raw.get("until_hour") is None:
        problems.append(Problem(f"{path}.hours", "a delay needs hours or until_hour", "required", name))
    if kind == "send":
        content = raw.get("content")
        if not isinstance(content, dict):
            problems.append(Problem(f"{path}.content", "a send step needs its content", "required", name))
        elif content_check is not None:
            problems += [Problem(p.path, p.message, p.code, name) for p in content_check(content, f"{path}.content")]
    if kind == "split":
        problems += _condition_problems(raw.get("condition"), f"{path}.condition", segment_exists, name)
    if kind == "ab":
        problems += _variant_problems(raw.get("variants"), f"{path}.variants", name)
        if raw.get("auto_winner") is not None:
            problems += _auto_winner_problems(raw["auto_winner"], f"{path}.auto_winner", name)
    for key in ("next", "yes", "no"):
        if raw.get(key) is not None and not isinstance(raw.get(key), str):
            problems.append(Problem(f"{path}.{key}", "must be a step id or null", "invalid", name))
    return problems


def _condition_problems(condition, path, segment_exists, step) -> list[Problem]:
    if not isinstance(condition, dict):
        return [Problem(path, "a split needs a condition", "required", step)]
    kind = condition.get("kind")
    if kind not in CONDITIONS:
        return [Problem(f"{path}.kind", f"unknown condition {kind!r}; use one of {', '.join(CONDITIONS)}",
                        "unknown", step)]
    return _fields(CONDITIONS[kind], condition, path, {"kind"}, segment_exists, step)


def _variant_problems(variants, path, step) -> list[Problem]:
    if not isinstance(variants, list) or not 2 <= len(variants) <= 4:
        return [Problem(path, "an A/B step needs 2 to 4 variants", "invalid", step)]
    problems, keys = [], set()
    for i, v in enumerate(variants):
        where = f"{path}[{i}]"
        if not isinstance(v, dict):
            problems.append(Problem(where, "must be an object", "invalid", step))
            continue
        key, weight = v.get("key"), v.get("weight")
        if not isinstance(key, str) or not STEP_ID.match(key) or key in keys:
            problems.append(Problem(f"{where}.key", "must be a unique short name (A, B …)", "invalid", step))
        keys.add(key)
        if not isinstance(weight, int) or isinstance(weight, bool) or not 1 <= weight <= 100:
            problems.append(Problem(f"{where}.weight", "must be a whole number from 1 to 100", "out_of_range", step))
        if v.get("next") is not None and not isinstance(v.get("next"), str):
            problems.append(Problem(f"{where}.next", "must be a step id or null", "invalid", step))
    return problems


def _auto_winner_problems(setting, path, step) -> list[Problem]:
    if not isinstance(setting, dict):
        return [Problem(path, "must be an object with metric and min_recipients or min_days", "invalid", step)]
    problems = _fields(AUTO_WINNER, setting, path, set(), None, step)
    if setting.get("min_recipients") is None and setting.get("min_days") is None:
        problems.append(Problem(f"{path}.min_recipients", "give min_recipients, min_days or both", "required", step))
    return problems


def _graph_problems(steps: dict[str, Step], start: str, positions: dict[str, int]) -> list[Problem]:
    problems = []
    if start not in steps:
        return [Problem("start", f"no step with id {start!r}", "dangling")]
    for step in steps.values():
        where = f"steps[{positions[step.id]}]"
        if step.kind == "split" and (step.yes is None or step.no is None):
            missing = "yes" if step.yes is None else "no"
            problems.append(Problem(f"{where}.{missing}", f"split {step.id} has no {missing!r} branch "
                                    "(point it at a step, or at an exit step)", "missing_branch", step.id))
        for target in step.successors():
            if target not in steps:
                problems.append(Problem(where, f"step {step.id} leads to {target!r}, which does not exist",
                                        "dangling", step.id))
    reachable, todo = set(), [start]
    while todo:
        current = todo.pop()
        if current in reachable or current not in steps:
            continue
        reachable.add(current)
        todo.extend(steps[current].successors())
    for step in steps.values():
        if step.id not in reachable:
            problems.append(Problem(f"steps[{positions[step.id]}]", f"step {step.id} cannot be reached from the start",
                                    "unreachable", step.id))
    cycle = _cycle_without_delay(steps)
    if cycle:
        problems.append(Problem(f"steps[{positions[cycle[0]]}]", "steps " + " → ".join(cycle) +
                                " form a loop with no delay", "cycle", cycle[0]))
    return problems


def _cycle_without_delay(steps: dict[str, Step]) -> list[str] | None:
    """A loop is allowed only through a delay (it then runs once per delay, never spinning)."""
    graph = {sid: [t for t in s.successors() if t in steps and steps[t].kind != "delay"]
             for sid, s in steps.items() if s.kind != "delay"}
    state: dict[str, int] = {}
    for root in graph:
        if state.get(root):
            continue
        stack = [(root, iter(graph[root]))]
        trail = [root]
        state[root] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
                trail.pop()
            elif state.get(child) == 1:
                return trail[trail.index(child):] + [child]
            elif not state.get(child):
                state[child] = 1
                stack.append((child, iter(graph[child])))
                trail.append(child)
    return None


def parse(raw: Any, *, segment_exists: SegmentExists | None = None,
          content_check: ContentCheck | None = None) -> tuple[Definition | None, list[Problem]]:
    """The definition, or None with every problem found (not just the first)."""
    if not isinstance(raw, dict):
        return None, [Problem("definition", "must be an object", "invalid")]
    problems = [Problem(k, f"unknown field {k!r}", "unknown") for k in raw
                if k not in {"trigger", "entry", "exit_on", "reentry", "holdout_percent", "start", "steps"}]
    problems += _trigger_problems(raw.get("trigger"), segment_exists)
    entry = raw.get("entry") or {}
    if not isinstance(entry, dict):
        problems.append(Problem("entry", "must be an object", "invalid"))
        entry = {}
    else:
        problems += _fields({"segment_id": Field("segment")}, entry, "entry", set(), segment_exists)
    exit_on = raw.get("exit_on", ["ordered"])
    if not isinstance(exit_on, list) or any(e not in EXITS for e in exit_on):
        problems.append(Problem("exit_on", f"must be a list of {', '.join(EXITS)}", "unknown"))
        exit_on = []
    if "left_segment" in exit_on and not (raw.get("trigger") or {}).get("segment_id") and not entry.get("segment_id"):
        problems.append(Problem("exit_on", "left_segment needs a segment trigger or an entry segment", "invalid"))
    reentry = raw.get("reentry") or {"mode": "never"}
    if not isinstance(reentry, dict) or reentry.get("mode") not in REENTRY_MODES:
        problems.append(Problem("reentry.mode", f"must be one of {', '.join(REENTRY_MODES)}", "unknown"))
    elif reentry["mode"] == "after_days":
        problem = _field_problem(Field("int", True, 1, 3650), reentry.get("days"), "reentry.days", None)
        problems += [problem] if problem else []
    holdout = raw.get("holdout_percent")
    if holdout is not None:
        problem = _field_problem(Field("int", False, 0, 50), holdout, "holdout_percent", None)
        problems += [problem] if problem else []
    raw_steps = raw.get("steps")
    if not isinstance(raw_steps, list) or not 1 <= len(raw_steps) <= MAX_STEPS:
        return None, problems + [Problem("steps", f"must be a list of 1 to {MAX_STEPS} steps", "invalid")]
    steps: dict[str, Step] = {}
    positions: dict[str, int] = {}
    for i, item in enumerate(raw_steps):
        found = _step_problems(i, item, segment_exists, content_check)
        problems += found
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            continue
        if item["id"] in steps:
            problems.append(Problem(f"steps[{i}].id", f"step id {item['id']!r} is used twice", "duplicate", item["id"]))
            continue
        positions[item["id"]] = i
        steps[item["id"]] = Step(
            id=item["id"], kind=item.get("kind", ""),
            params={k: v for k, v in item.items() if k not in GRAPH_KEYS},
            next=item.get("next") if isinstance(item.get("next"), str) else None,
            yes=item.get("yes") if isinstance(item.get("yes"), str) else None,
            no=item.get("no") if isinstance(item.get("no"), str) else None,
            variants=tuple(v for v in item.get("variants") or () if isinstance(v, dict)),
            condition=item.get("condition"), content=item.get("content"), name=str(item.get("name") or "")[:100])
    start = raw.get("start") if isinstance(raw.get("start"), str) else (raw_steps[0] or {}).get("id", "")
    problems += _graph_problems(steps, start, positions)
    if problems:
        return None, problems
    return Definition(trigger=dict(raw["trigger"]), start=start, steps=steps, exit_on=tuple(exit_on),
                      reentry=dict(reentry), entry=dict(entry), holdout_percent=holdout), []


def to_json(definition: Definition) -> dict:
    """The document again (parse(to_json(d)) == d)."""
    steps = []
    for step in definition.steps.values():
        item = {"id": step.id, "kind": step.kind, **step.params}
        if step.name:
            item["name"] = step.name
        if step.kind == "split":
            item.update(condition=step.condition, yes=step.yes, no=step.no)
        elif step.kind == "ab":
            item["variants"] = [dict(v) for v in step.variants]
        elif step.kind != "exit":
            item["next"] = step.next
        if step.content is not None:
            item["content"] = step.content
        steps.append(item)
    return {"trigger": definition.trigger, "entry": definition.entry, "exit_on": list(definition.exit_on),
            "reentry": definition.reentry, "holdout_percent": definition.holdout_percent,
            "start": definition.start, "steps": steps}
