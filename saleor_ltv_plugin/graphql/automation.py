"""Scenarios, the alert inbox and scenario reports over GraphQL."""

from __future__ import annotations

import datetime as dt

import graphene
from django.db import transaction
from django.utils import timezone
from graphene import relay

from .. import conf, db
from ..auth import Scope
from ..automation import calls
from ..automation import report as report_query
from ..automation import sender_identity
from ..automation import settings as scenario_settings
from ..automation.catalog import SCENARIOS
from ..automation.flows import scenarios as scenario_flows
from ..engine import experiments
from ..models import Alert, AlertKind, AlertState, CallOutcomeKind, OutboxMessage, SavedSegment, ScenarioSetting
from ..queries.errors import InputError
from .core import CountableConnection, LtvError, errors_from, resolve_connection
from .permissions import require
from .types import LtvAccount

MAX_REPORT_DAYS = 366


def _in_language(texts: dict[str, str], language: str) -> str:
    """One of a {"ja": …, "en": …} text; English for any other language."""
    return texts.get(language) or texts["en"]


def _language_arg():
    return graphene.String(default_value="en", description="ja or en (anything else: en).")


class LtvScenarioParam(graphene.ObjectType):
    name = graphene.String(required=True, description="The key in `params` (not for display: see `label`).")
    label = graphene.String(required=True, language=_language_arg())
    value = graphene.JSONString(description="The value in force (the default unless changed).")
    default = graphene.JSONString()
    help = graphene.String(required=True, language=_language_arg())
    minimum = graphene.Float()
    maximum = graphene.Float()

    @staticmethod
    def resolve_label(root, info, language="en"):
        return _in_language(root.label, language)

    @staticmethod
    def resolve_help(root, info, language="en"):
        return _in_language(root.help, language)


class LtvScenario(graphene.ObjectType):
    key = graphene.ID(required=True)
    channel = graphene.String(required=True)
    title = graphene.String(required=True, language=_language_arg())
    description = graphene.String(required=True, language=_language_arg())
    trigger = graphene.String(required=True, language=_language_arg())
    stop_on = graphene.List(graphene.NonNull(graphene.String), required=True)
    mails_buyer = graphene.Boolean(required=True)
    staff_steps = graphene.List(graphene.NonNull(graphene.String), required=True)
    enabled = graphene.Boolean(required=True)
    holdout_percent = graphene.Int(required=True)
    params = graphene.List(graphene.NonNull(LtvScenarioParam), required=True)

    @staticmethod
    def from_config(config: scenario_settings.ScenarioConfig) -> "LtvScenario":
        s = config.scenario
        params = [LtvScenarioParam(name=name, label=p.label, value=config.params.get(name), default=p.default,
                                   help=p.help, minimum=p.minimum, maximum=p.maximum) for name, p in s.params.items()]
        label, help_text = scenario_settings.COMMON["copy"]
        params.append(LtvScenarioParam(name="copy", label=label, value=config.params.get("copy", {}), default={},
                                       help=help_text))
        return LtvScenario(key=s.key, channel=config.channel, title=s.title, description=s.description,
                           trigger=s.trigger, stop_on=list(s.stop_on), mails_buyer=s.mails_buyer,
                           staff_steps=list(s.staff_steps), enabled=config.enabled,
                           holdout_percent=config.holdout_percent, params=params)

    @staticmethod
    def resolve_title(root, info, language="en"):
        return _in_language(root.title, language)

    @staticmethod
    def resolve_description(root, info, language="en"):
        return _in_language(root.description, language)

    @staticmethod
    def resolve_trigger(root, info, language="en"):
        return _in_language(root.trigger, language)


class LtvAutomationSettings(graphene.ObjectType):
    """The channel's sending settings (edited in the plugin's configuration)."""

    sender_name = graphene.String(required=True)
    sender_email = graphene.String(required=True)
    sender_postal_address = graphene.String(required=True)
    consent_mode = graphene.String(required=True)
    default_language = graphene.String(required=True)
    timezone = graphene.String(required=True)
    quiet_hours_start = graphene.Int(required=True)
    quiet_hours_end = graphene.Int(required=True)
    frequency_cap_per_week = graphene.Int(required=True)
    attribution_window_days = graphene.Int(required=True)
    holdout_percent = graphene.Int(required=True)
    tool_cost_per_month = graphene.Int(required=True)
    staff_alert_emails = graphene.String(required=True)
    staff_webhook_configured = graphene.Boolean(required=True)


class LtvCallOutcomeKind(graphene.Enum):
    REACHED = CallOutcomeKind.REACHED.value
    NO_ANSWER = CallOutcomeKind.NO_ANSWER.value
    CALLBACK = CallOutcomeKind.CALLBACK.value
    LOST = CallOutcomeKind.LOST.value
    ORDERED = CallOutcomeKind.ORDERED.value

    @property
    def description(self):
        ja, en = calls.LABELS[CallOutcomeKind(self.value)]
        return f"{en} / {ja}"


class LtvCallOutcome(graphene.ObjectType):
    """One call's outcome on a call task, newest first."""

    outcome = graphene.Field(LtvCallOutcomeKind, required=True)
    callback_on = graphene.Date(description="outcome CALLBACK: the day to call again.")
    note = graphene.String(required=True)
    recorded_by = graphene.String(required=True)
    recorded_at = graphene.DateTime(required=True)


def _outcomes(alert) -> list:
    return sorted(alert.call_outcomes.all(), key=lambda row: (row.recorded_at, row.pk), reverse=True)


class LtvAlert(graphene.ObjectType):
    kind = graphene.String(required=True, description="churn_risk, high_intent or call.")
    channel = graphene.String(required=True)
    state = graphene.String(required=True, description="open, acknowledged or closed.")
    priority = graphene.Int(required=True, description="1 (top account) … 5.")
    reason = graphene.String(required=True)
    data = graphene.JSONString(required=True, description="The account's figures when it was raised.")
    assignee = graphene.String(required=True)
    note = graphene.String(required=True)
    account = graphene.Field(LtvAccount, required=True)
    created_at = graphene.DateTime(required=True)
    acknowledged_at = graphene.DateTime()
    closed_at = graphene.DateTime()
    call_outcomes = graphene.List(graphene.NonNull(LtvCallOutcome), required=True,
                                  description="What came of each call on a call task, newest first.")
    last_call_outcome = graphene.Field(LtvCallOutcome)

    class Meta:
        interfaces = (relay.Node,)

    @classmethod
    def get_node(cls, info, id):
        require(info, Scope.READ)
        return Alert.objects.select_related("account").filter(pk=id).first()

    @staticmethod
    def resolve_call_outcomes(root, info):
        return _outcomes(root)

    @staticmethod
    def resolve_last_call_outcome(root, info):
        return next(iter(_outcomes(root)), None)

    @classmethod
    def is_type_of(cls, root, info):
        return isinstance(root, Alert)


class LtvAlertCountableConnection(CountableConnection):
    class Meta:
        node = LtvAlert


class LtvMessage(graphene.ObjectType):
    """One outbox row: what was (or was not) sent, and what came of it."""

    scenario = graphene.String(required=True)
    kind = graphene.String(required=True)
    step = graphene.Int(required=True)
    status = graphene.String(required=True)
    skip_reason = graphene.String(required=True)
    to_email = graphene.String()
    due_at = graphene.DateTime(required=True)
    sent_at = graphene.DateTime()
    opened_at = graphene.DateTime()
    clicked_at = graphene.DateTime()
    segments = graphene.Int(description="SMS: the segments it went out as (what the provider bills).")
    delivery_status = graphene.String(required=True, description="SMS: the provider's last delivery report "
                                      "(queued, sent, delivered, undelivered, failed); empty without one.")

    @staticmethod
    def resolve_to_email(root, info):
        return root.contact.email if root.contact_id and root.contact else None


class LtvIncrementalVerdict(graphene.Enum):
    TOO_SMALL = experiments.Verdict.TOO_SMALL.value
    INCONCLUSIVE = experiments.Verdict.INCONCLUSIVE.value
    POSITIVE = experiments.Verdict.POSITIVE.value
    NEGATIVE = experiments.Verdict.NEGATIVE.value

    @property
    def description(self):
        verdict = experiments.Verdict(self.value)
        return f"{report_query.verdict_text(verdict, 'en')} / {report_query.verdict_text(verdict, 'ja')}"


class LtvScenarioFigures(graphene.ObjectType):
    scenario = graphene.String(required=True)
    enrolled = graphene.Int(required=True)
    holdout = graphene.Int(required=True)
    sent = graphene.Int(required=True)
    skipped = graphene.JSONString(required=True, description="Skipped messages by reason.")
    failed = graphene.Int(required=True)
    opened = graphene.Int(required=True)
    clicked = graphene.Int(required=True)
    open_rate = graphene.Float()
    click_rate = graphene.Float()
    attributed_orders = graphene.Int(required=True)
    attributed_revenue = graphene.Float(required=True)
    treated_revenue_per_enrollment = graphene.Float()
    holdout_revenue_per_enrollment = graphene.Float()
    incremental_revenue = graphene.Float(description="Null without a holdout group to compare with.")
    incremental_revenue_low = graphene.Float(
        description="Lower end of incrementalRevenue's 95% interval (Welch); null under 2 per group.")
    incremental_revenue_high = graphene.Float(description="Upper end of incrementalRevenue's 95% interval.")
    incremental_verdict = graphene.Field(
        LtvIncrementalVerdict, required=True,
        description="What the holdout comparison can tell: too small, inconclusive, positive or negative.")
    incremental_verdict_text = graphene.String(required=True, language=_language_arg(),
                                               description="The verdict in words, for display.")
    cost = graphene.Float(required=True, description="The tool cost's share, by sent mail.")
    roas = graphene.Float(description="Attributed revenue ÷ cost.")
    incremental_roas = graphene.Float(description="Incremental revenue ÷ cost.")

    @staticmethod
    def resolve_incremental_verdict_text(root, info, language="en"):
        return report_query.verdict_text(experiments.Verdict(root.incremental_verdict), language)


class LtvScenarioReport(graphene.ObjectType):
    channel = graphene.String(required=True)
    currency = graphene.String()
    since = graphene.Date(required=True)
    until = graphene.Date(required=True)
    attribution_window_days = graphene.Int(required=True)
    tool_cost = graphene.Float(required=True)
    total = graphene.Field(LtvScenarioFigures, required=True)
    scenarios = graphene.List(graphene.NonNull(LtvScenarioFigures), required=True)


def _figures(f: report_query.ScenarioFigures) -> LtvScenarioFigures:
    def num(value):
        return None if value is None else float(value)

    return LtvScenarioFigures(
        scenario=f.scenario, enrolled=f.enrolled, holdout=f.holdout, sent=f.sent, skipped=f.skipped, failed=f.failed,
        opened=f.opened, clicked=f.clicked, open_rate=f.open_rate, click_rate=f.click_rate,
        attributed_orders=f.attributed_orders, attributed_revenue=float(f.attributed_revenue),
        treated_revenue_per_enrollment=num(f.treated_revenue_per_enrollment),
        holdout_revenue_per_enrollment=num(f.holdout_revenue_per_enrollment),
        incremental_revenue=num(f.incremental_revenue), incremental_revenue_low=num(f.incremental_revenue_low),
        incremental_revenue_high=num(f.incremental_revenue_high), incremental_verdict=f.incremental_verdict.value,
        cost=float(f.cost), roas=f.roas,
        incremental_roas=f.incremental_roas)


class AutomationQueries(graphene.ObjectType):
    ltv_scenarios = graphene.List(graphene.NonNull(LtvScenario), required=True, channel=graphene.String(required=True))
    ltv_automation_settings = graphene.Field(LtvAutomationSettings, required=True,
                                             channel=graphene.String(required=True))
    ltv_alerts = relay.ConnectionField(
        LtvAlertCountableConnection, channel=graphene.String(), state=graphene.String(), kind=graphene.String(),
        assignee=graphene.String(), description="The staff inbox, newest first; the call list is kind=call.")
    ltv_scenario_report = graphene.Field(
        LtvScenarioReport, required=True, channel=graphene.String(required=True), since=graphene.Date(),
        until=graphene.Date(), description="Defaults: the last 30 days.")
    ltv_account_messages = graphene.List(
        graphene.NonNull(LtvMessage), required=True, account=graphene.ID(required=True),
        first=graphene.Int(default_value=50, description="At most 200."))

    @staticmethod
    def resolve_ltv_scenarios(root, info, channel):
        require(info, Scope.READ)
        return [LtvScenario.from_config(c) for c in scenario_settings.load(channel).values()]

    @staticmethod
    def resolve_ltv_automation_settings(root, info, channel):
        require(info, Scope.READ)
        from .. import conf

        shop = conf.channel_settings(channel)
        values = {name: getattr(shop, name) for name in LtvAutomationSettings._meta.fields
                  if name != "staff_webhook_configured"}
        return LtvAutomationSettings(**values, staff_webhook_configured=bool(shop.staff_webhook_url))

    @staticmethod
    def resolve_ltv_alerts(root, info, channel=None, state=None, kind=None, assignee=None, **kwargs):
        require(info, Scope.READ)
        qs = Alert.objects.select_related("account").prefetch_related("call_outcomes")
        if state is not None and state not in AlertState.values:
            raise InputError({"state": f"must be one of {', '.join(AlertState.values)}"})
        if kind is not None and kind not in AlertKind.values:
            raise InputError({"kind": f"must be one of {', '.join(AlertKind.values)}"})
        for name, value in (("channel", channel), ("state", state), ("kind", kind), ("assignee", assignee)):
            if value is not None:
                qs = qs.filter(**{name: value})
        keys = [("priority", False), ("created_at", True), ("id", True)]
        return resolve_connection(info.return_type.graphene_type, qs, keys, kwargs, info)

    @staticmethod
    def resolve_ltv_scenario_report(root, info, channel, since=None, until=None):
        require(info, Scope.READ)
        until = until or timezone.localdate()
        since = since or until - dt.timedelta(days=29)
        if since > until:
            raise InputError({"since": "must not be after until"})
        if (until - since).days > MAX_REPORT_DAYS:
            raise InputError({"since": f"the range may span at most {MAX_REPORT_DAYS} days"})
        result = report_query.scenario_report(channel, since, until)
        return LtvScenarioReport(
            channel=channel, currency=result.currency, since=since, until=until,
            attribution_window_days=result.attribution_window_days, tool_cost=float(result.tool_cost),
            total=_figures(result.total), scenarios=[_figures(f) for f in result.scenarios])

    @staticmethod
    def resolve_ltv_account_messages(root, info, account, first=50):
        require(info, Scope.READ)
        if not 0 <= first <= 200:
            raise InputError({"first": "must be between 0 and 200"})
        try:
            kind, pk = relay.Node.from_global_id(account)
            assert kind == "LtvAccount"
            pk = int(pk)
        except Exception:  # noqa: BLE001 — any undecodable id is the caller's mistake
            raise InputError({"account": "is not an LtvAccount id"}, code="not_found") from None
        return list(OutboxMessage.objects.filter(account_id=pk).select_related("contact")
                    .order_by("-due_at", "-id")[:first])


class LtvScenarioInput(graphene.InputObjectType):
    enabled = graphene.Boolean()
    params = graphene.JSONString(description="Parameters to change; null as a value restores the default.")


class LtvScenarioUpdate(graphene.Mutation):
    """Switch a scenario on or off in a channel, or change its parameters (MANAGE_PLUGINS)."""

    scenario = graphene.Field(LtvScenario)
    errors = graphene.List(graphene.NonNull(LtvError), required=True)

    class Arguments:
        channel = graphene.String(required=True)
        scenario = graphene.ID(required=True)
        input = LtvScenarioInput(required=True)

    @staticmethod
    def mutate(root, info, channel, scenario, input):
        who = require(info, Scope.SETTINGS)
        try:
            _update_scenario(who, channel, scenario, input)
        except InputError as exc:
            return LtvScenarioUpdate(errors=errors_from(exc))
        return LtvScenarioUpdate(scenario=LtvScenario.from_config(scenario_settings.load(channel)[scenario]), errors=[])


def _update_scenario(who, channel: str, key: str, data) -> None:
    if key not in SCENARIOS:
        raise InputError({"scenario": f"unknown scenario; one of {', '.join(SCENARIOS)}"}, code="not_found")
    if not channel.strip() or len(channel) > 128 or "\x00" in channel:
        raise InputError({"channel": "must be 1 to 128 characters"})
    raw = data.get("params")
    if raw is not None and not isinstance(raw, dict):
        raise InputError({"input.params": "must be a JSON object"})
    changes = {k: v for k, v in (raw or {}).items() if v is not None}
    clean, errors = scenario_settings.validate_params(SCENARIOS[key], changes)
    if "segment_id" in clean and not SavedSegment.objects.filter(pk=clean["segment_id"], channel=channel).exists():
        errors["params.segment_id"] = "no saved segment with this id in the channel"
    if errors:
        raise InputError({f"input.{k}": v for k, v in errors.items()})
    if data.get("enabled") and SCENARIOS[key].mails_buyer:
        incomplete = sender_identity.missing(channel)
        if incomplete:
            raise InputError({f"settings.{name}": reason for name, reason in incomplete.items()},
                             code="sender_incomplete")
    with db.writer(), transaction.atomic():
        # Lock the segment before the scenario (as ltvSavedSegmentDelete does): a delete either
        # sees this scenario using it or has already gone, never neither.
        if "segment_id" in clean and not SavedSegment.objects.select_for_update().filter(
                pk=clean["segment_id"], channel=channel).values_list("pk", flat=True):
            raise InputError({"input.params.segment_id": "no saved segment with this id in the channel"})
        row, _ = ScenarioSetting.objects.select_for_update().get_or_create(channel=channel, scenario=key)
        params = {**row.params, **clean}
        for name in [k for k, v in (raw or {}).items() if v is None]:
            params.pop(name, None)
        row.params = params
        if data.get("enabled") is not None:
            row.enabled = data["enabled"]
        row.updated_by = who.email or who.label
        row.save()
        # the scenario is its template flow: this publishes the flow's next version
        scenario_flows.publish_setting(row, conf.channel_settings(channel).default_language, by=row.updated_by)


class _AlertMutation(graphene.Mutation):
    alert = graphene.Field(LtvAlert)
    errors = graphene.List(graphene.NonNull(LtvError), required=True)

    class Meta:
        abstract = True

    @classmethod
    def mutate(cls, root, info, id, **data):
        who = require(info, Scope.ALERTS)
        try:
            kind, pk = relay.Node.from_global_id(id)
            assert kind == "LtvAlert"
            pk = int(pk)
        except Exception:  # noqa: BLE001
            return cls(errors=[LtvError(field="id", message="is not an LtvAlert id", code="not_found")])
        with db.writer(), transaction.atomic():
            alert = Alert.objects.select_for_update().select_related("account").filter(pk=pk).first()
            if alert is None:
                return cls(errors=[LtvError(field="id", message="no alert with this id", code="not_found")])
            try:
                cls.change(alert, who, **data)
            except InputError as exc:
                return cls(errors=errors_from(exc))
            alert.save()
        return cls(alert=alert, errors=[])


def _text(name: str, value: str | None, limit: int) -> str:
    value = (value or "").strip()
    if len(value) > limit or "\x00" in value:
        raise InputError({name: f"must be at most {limit} characters"})
    return value


class LtvAlertAssign(_AlertMutation):
    class Arguments:
        id = graphene.ID(required=True)
        assignee = graphene.String(description="Who works it (an e-mail or a name); empty: nobody. Default: you.")

    @staticmethod
    def change(alert, who, assignee=None):
        alert.assignee = _text("assignee", who.email or who.label if assignee is None else assignee, 254)


class LtvAlertAcknowledge(_AlertMutation):
    class Arguments:
        id = graphene.ID(required=True)

    @staticmethod
    def change(alert, who):
        if alert.state == AlertState.CLOSED:
            raise InputError({"id": "the alert is closed"})
        alert.state, alert.acknowledged_at = AlertState.ACKNOWLEDGED, alert.acknowledged_at or timezone.now()
        alert.assignee = alert.assignee or who.email or who.label


class LtvAlertClose(_AlertMutation):
    class Arguments:
        id = graphene.ID(required=True)
        note = graphene.String(description="What was done (a call's outcome …).")

    @staticmethod
    def change(alert, who, note=None):
        alert.state, alert.closed_at = AlertState.CLOSED, timezone.now()
        if note is not None:
            alert.note = _text("note", note, 5000)


class LtvAlertReopen(_AlertMutation):
    class Arguments:
        id = graphene.ID(required=True)

    @staticmethod
    def change(alert, who):
        alert.state, alert.closed_at = AlertState.OPEN, None



class LtvCallOutcomeRecord(_AlertMutation):
    """Record what came of a call on a call task (alerts:write): reached, lost and ordered close it, no answer
    and a callback keep it on the call list. The flow that asked for the call can branch on it."""

    class Arguments:
        id = graphene.ID(required=True, description="The call task (an LtvAlert of kind call).")
        outcome = LtvCallOutcomeKind(required=True)
        callback_on = graphene.Date(description="Required with CALLBACK: the day to call again (today or later).")
        note = graphene.String(description="What was said (at most 5000 characters).")

    @staticmethod
    def change(alert, who, outcome, callback_on=None, note=None):
        value = getattr(outcome, "value", outcome)
        calls.record(alert, value, who.email or who.label, callback_on, note)
