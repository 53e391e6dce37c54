"""Flows and broadcasts over GraphQL: list, read, edit, publish, preview, test send, report.

Reading needs what ltvScenarios needs (metrics:read), every mutation what ltvScenarioUpdate
needs (settings:write, MANAGE_PLUGINS). The work is automation/flows/service.py's; here are the
types, the id decoding and the errors `{field message code}`.
"""

from __future__ import annotations

import base64

import graphene
from graphene import relay

from ..auth import Scope
from ..automation.flows import report as flow_report
from ..automation.flows import service, templates
from ..automation.flows.vocabulary import vocabulary
from ..models import Flow, FlowKind, FlowState
from ..queries.errors import InputError
from .automation import _in_language, _language_arg
from .core import LtvError, errors_from
from .permissions import require

LtvFlowState = graphene.Enum("LtvFlowState", [(s.upper(), s) for s in FlowState.values],
                             description="draft (never published), live, paused (no new entries), archived.")
LtvFlowKind = graphene.Enum("LtvFlowKind", [(k.upper(), k) for k in FlowKind.values],
                            description="A flow, or a broadcast (one send to a segment).")
CODES = {"required": "required", "missing_segment": "not_found", "duplicate": "unique"}  # the rest: invalid


def _pk(global_id, type_name: str, field: str) -> int:
    try:
        kind, pk = relay.Node.from_global_id(global_id)
        if kind != type_name:
            raise ValueError
        return int(pk)
    except Exception:  # noqa: BLE001 — any undecodable id is the caller's mistake
        raise InputError({field: f"is not an {type_name} id"}, code="not_found") from None


def _flow(global_id, field: str = "id") -> Flow:
    flow = Flow.objects.select_related("live_version").filter(pk=_pk(global_id, "LtvFlow", field)).first()
    if flow is None:
        raise InputError({field: "no flow with this id"}, code="not_found")
    return flow


class LtvFlowProblem(graphene.ObjectType):
    field = graphene.String(required=True, description="Its path in the definition: steps[2].next, trigger.kind …")
    message = graphene.String(required=True)
    code = graphene.String(required=True, description="required, unknown, invalid, out_of_range, dangling, cycle, "
                           "unreachable, missing_branch, missing_segment, duplicate …")
    step = graphene.String(description="The step's id, when the problem is in a step.")


def _problems(problems) -> list[LtvFlowProblem]:
    return [LtvFlowProblem(field=p.path, message=p.message, code=p.code, step=p.step) for p in problems]


class LtvFlowVersion(graphene.ObjectType):
    number = graphene.Int(required=True)
    definition = graphene.JSONString(required=True)
    published_at = graphene.DateTime(required=True)
    published_by = graphene.String(required=True)


class LtvFlow(graphene.ObjectType):
    key = graphene.String(required=True, description="What its enrollments and outbox rows store as scenario.")
    channel = graphene.String(required=True)
    kind = graphene.Field(LtvFlowKind, required=True)
    name = graphene.String(required=True)
    description = graphene.String(required=True)
    template_key = graphene.String()
    state = graphene.Field(LtvFlowState, required=True)
    draft = graphene.JSONString(required=True, description="The definition being edited.")
    has_unpublished_changes = graphene.Boolean(required=True)
    live_version = graphene.Field(LtvFlowVersion)
    versions = graphene.List(graphene.NonNull(LtvFlowVersion), required=True, description="Oldest first.")
    problems = graphene.List(graphene.NonNull(LtvFlowProblem), required=True,
                             description="The draft's problems; publishing is refused while there are any.")
    entered = graphene.Int(required=True, description="Enrollments ever (holdout included).")
    active = graphene.Int(required=True, description="Enrollments moving through it now.")
    created_by = graphene.String(required=True)
    updated_by = graphene.String(required=True)
    updated_at = graphene.DateTime(required=True)

    class Meta:
        interfaces = (relay.Node,)

    @classmethod
    def get_node(cls, info, id):
        require(info, Scope.READ)
        try:
            return Flow.objects.select_related("live_version").filter(pk=int(id)).first()
        except (TypeError, ValueError):
            return None

    @classmethod
    def is_type_of(cls, root, info):
        return isinstance(root, Flow)

    @staticmethod
    def resolve_template_key(flow, info):
        return flow.template_key or None

    @staticmethod
    def resolve_has_unpublished_changes(flow, info):
        return service.has_unpublished_changes(flow)

    @staticmethod
    def resolve_versions(flow, info):
        return list(flow.versions.order_by("number"))

    @staticmethod
    def resolve_problems(flow, info):
        return _problems(service.draft_problems(flow))

    @staticmethod
    def _counts(flow):
        if not hasattr(flow, "_ltv_counts"):
            flow._ltv_counts = flow_report.enrollment_counts(flow.channel, [flow.key])[flow.key]
        return flow._ltv_counts

    @staticmethod
    def resolve_entered(flow, info):
        return LtvFlow._counts(flow)["entered"]

    @staticmethod
    def resolve_active(flow, info):
        return LtvFlow._counts(flow)["active"]


class LtvFlowTemplate(graphene.ObjectType):
    key = graphene.String(required=True)
    title = graphene.String(required=True, language=_language_arg())
    description = graphene.String(required=True, language=_language_arg())
    definition = graphene.JSONString(required=True)

    @staticmethod
    def resolve_title(key, info, language="en"):
        return _in_language(templates.title(key), language)

    @staticmethod
    def resolve_description(key, info, language="en"):
        return _in_language(templates.description(key), language)

    @staticmethod
    def resolve_key(key, info):
        return key

    @staticmethod
    def resolve_definition(key, info):
        return templates.template(key)


class LtvFlowPreview(graphene.ObjectType):
    subject = graphene.String(required=True)
    preheader = graphene.String(required=True)
    html = graphene.String(required=True)
    text = graphene.String(required=True)
    language = graphene.String(required=True, description="The language rendered (ja or en).")
    account = graphene.ID(description="The LtvAccount it was filled from.")
    medium = graphene.String(required=True, description="email, or postal_dm: then html is the letter as the print "
                             "job prints it (address block, date, sender, title, lines), text its lines, subject "
                             "its title.")

    @staticmethod
    def resolve_account(preview, info):
        return relay.Node.to_global_id("LtvAccount", preview.account_id) if preview.account_id else None


class LtvFlowStepFigures(graphene.ObjectType):
    step_id = graphene.String(required=True)
    kind = graphene.String(required=True)
    name = graphene.String(required=True)
    passed = graphene.Int(required=True, description="Enrollments that passed the step (once per visit).")
    sent = graphene.Int(required=True)
    opened = graphene.Int(required=True)
    clicked = graphene.Int(required=True)
    branches = graphene.JSONString(required=True, description='{"yes": n, "no": m} or {"A": n, "B": m}.')


class LtvFlowVariantFigures(graphene.ObjectType):
    step_id = graphene.String(required=True)
    key = graphene.String(required=True)
    recipients = graphene.Int(required=True)
    delivered = graphene.Int(required=True, description="Recipients with at least one mail sent.")
    opened = graphene.Int(required=True, description="Recipients who opened.")
    clicked = graphene.Int(required=True, description="Recipients who clicked.")
    orders = graphene.Int(required=True, description="Orders attributed to the variant's mail.")
    converted = graphene.Int(required=True, description="Recipients with an attributed order.")
    revenue = graphene.Decimal(required=True)
    revenue_per_recipient = graphene.Decimal()
    probability_best = graphene.Float(description="Beta-Binomial P(best) on converted recipients.")
    p_value = graphene.Float(description="Two-proportion z-test against the first variant.")


class LtvFlowAbWinner(graphene.ObjectType):
    step_id = graphene.String(required=True, description="The A/B step.")
    key = graphene.String(required=True, description="The variant its auto-winner chose; new entrants all get it.")
    decided_at = graphene.DateTime(required=True)
    figures = graphene.JSONString(required=True, description='What it was decided on: {"metric", "threshold", '
                                  '"days_running", "variants": [{"key", "recipients", "successes", "probability_best"}]}.')


class LtvFlowAutoWinnerSetting(graphene.ObjectType):
    step_id = graphene.String(required=True, description="An A/B step of the live version with no winner yet.")
    metric = graphene.String(required=True, description="orders or clicks: what a success is.")
    min_recipients = graphene.Int(description="Decide once every variant has this many recipients …")
    min_days = graphene.Float(description="… or this many days after the first assignment.")
    threshold = graphene.Float(required=True, description="The chance to be best the winner needs.")
    days_running = graphene.Float(description="Days since the step's first assignment; null: none yet.")


class LtvFlowReport(graphene.ObjectType):
    flow_id = graphene.ID(required=True)
    since = graphene.Date()
    until = graphene.Date()
    entered = graphene.Int(required=True)
    holdout = graphene.Int(required=True)
    active = graphene.Int(required=True)
    done = graphene.Int(required=True)
    exited = graphene.JSONString(required=True, description="{reason: count}.")
    steps = graphene.List(graphene.NonNull(LtvFlowStepFigures), required=True)
    variants = graphene.List(graphene.NonNull(LtvFlowVariantFigures), required=True,
                             description="Per A/B step and variant (a mail counts for the A/B step whose "
                             "variant it carries).")
    winners = graphene.List(graphene.NonNull(LtvFlowAbWinner), required=True,
                            description="A/B steps whose auto-winner has chosen.")
    auto_winners = graphene.List(graphene.NonNull(LtvFlowAutoWinnerSetting), required=True,
                                 description="A/B steps whose auto-winner has not chosen yet, with what it waits for.")
    attributed_revenue = graphene.Decimal(required=True)
    incremental_revenue = graphene.Decimal(description="Null without a holdout group.")
    incremental_low = graphene.Decimal(description="Its Welch 95% interval.")
    incremental_high = graphene.Decimal()
    verdict = graphene.String(description="too_small, inconclusive, positive or negative.")

    @staticmethod
    def of(result: flow_report.FlowReport) -> "LtvFlowReport":
        effect = result.effect
        return LtvFlowReport(
            flow_id=relay.Node.to_global_id("LtvFlow", result.flow_id), since=result.since, until=result.until,
            entered=result.entered, holdout=result.holdout, active=result.active, done=result.done,
            exited=result.exited, attributed_revenue=result.attributed_revenue,
            steps=[LtvFlowStepFigures(**vars(s)) for s in result.steps],
            variants=[LtvFlowVariantFigures(revenue_per_recipient=v.revenue_per_recipient, **vars(v))
                      for v in result.variants],
            winners=[LtvFlowAbWinner(**vars(w)) for w in result.winners],
            auto_winners=[LtvFlowAutoWinnerSetting(**vars(a)) for a in result.auto_winners],
            incremental_revenue=effect.incremental, incremental_low=effect.low, incremental_high=effect.high,
            verdict=effect.verdict.value)


class FlowQueries(graphene.ObjectType):
    ltv_flows = graphene.List(graphene.NonNull(LtvFlow), required=True, channel=graphene.String(required=True),
                              kind=LtvFlowKind(), state=LtvFlowState(), description="Newest change first.")
    ltv_flow = graphene.Field(LtvFlow, id=graphene.ID(required=True))
    ltv_flow_templates = graphene.List(graphene.NonNull(LtvFlowTemplate), required=True)
    ltv_flow_vocabulary = graphene.JSONString(required=True, description="What a definition may say: trigger, "
                                              "step, condition and update kinds with their fields, and merge fields.")
    ltv_flow_preview = graphene.Field(
        LtvFlowPreview, id=graphene.ID(required=True), step_id=graphene.String(required=True), account_id=graphene.ID(),
        language=graphene.String(), description="A send step of the draft rendered for one of the shop's accounts "
        "(default: the latest buyer); nothing is stored or sent.")
    ltv_flow_report = graphene.Field(LtvFlowReport, id=graphene.ID(required=True), since=graphene.Date(),
                                     until=graphene.Date(), description="For the enrollments that entered between "
                                     "since and until (default: the last 30 days).")

    @staticmethod
    def resolve_ltv_flows(root, info, channel, kind=None, state=None):
        require(info, Scope.READ)
        flows = Flow.objects.filter(channel=channel).select_related("live_version")
        if kind is not None:
            flows = flows.filter(kind=kind)
        if state is not None:
            flows = flows.filter(state=state)
        flows = list(flows.order_by("-updated_at", "-id")[:500])
        counts = flow_report.enrollment_counts(channel, [f.key for f in flows])  # one query for the list
        for flow in flows:
            flow._ltv_counts = counts[flow.key]
        return flows

    @staticmethod
    def resolve_ltv_flow(root, info, id):
        require(info, Scope.READ)
        try:
            return _flow(id)
        except InputError:
            return None  # Relay's not-found

    @staticmethod
    def resolve_ltv_flow_templates(root, info):
        require(info, Scope.READ)
        return list(templates.TEMPLATE_KEYS)

    @staticmethod
    def resolve_ltv_flow_vocabulary(root, info):
        require(info, Scope.READ)
        return vocabulary()

    @staticmethod
    def resolve_ltv_flow_preview(root, info, id, step_id, account_id=None, language=None):
        require(info, Scope.READ)
        account = None if account_id is None else _pk(account_id, "LtvAccount", "accountId")
        return service.preview(_flow(id), step_id, account, language)

    @staticmethod
    def resolve_ltv_flow_report(root, info, id, since=None, until=None):
        require(info, Scope.READ)
        since, until = flow_report.report_range(since, until)
        return LtvFlowReport.of(flow_report.flow_report(_flow(id), since, until))


# ---- mutations ---------------------------------------------------------------------------------------

class _FlowMutation(graphene.Mutation):
    """settings:write; the service's refusals come back in `errors`."""

    flow = graphene.Field(LtvFlow)
    errors = graphene.List(graphene.NonNull(LtvError), required=True)

    class Meta:
        abstract = True

    @classmethod
    def mutate(cls, root, info, **data):
        who = require(info, Scope.SETTINGS)
        try:
            return cls.perform(who, **data)
        except InputError as exc:
            return cls(errors=errors_from(exc))


class LtvFlowCreateInput(graphene.InputObjectType):
    name = graphene.String(required=True)
    template_key = graphene.String(description="Start from a ready scenario (ltvFlowTemplates); empty: from scratch.")
    key = graphene.String(description="Default: made from the name, unique in the channel.")
    kind = LtvFlowKind(description="Default FLOW; broadcasts: ltvBroadcastCreate.")


class LtvFlowCreate(_FlowMutation):
    class Arguments:
        channel = graphene.String(required=True)
        input = LtvFlowCreateInput(required=True)

    @classmethod
    def perform(cls, who, channel, input):
        kind = input.get("kind") or FlowKind.FLOW
        if kind == FlowKind.BROADCAST:
            raise InputError({"input.kind": "create broadcasts with ltvBroadcastCreate"})
        flow = service.create(channel, who, input.get("name"), template_key=input.get("template_key"),
                              key=input.get("key"))
        return cls(flow=flow, errors=[])


class LtvFlowUpdateInput(graphene.InputObjectType):
    name = graphene.String()
    description = graphene.String()
    definition = graphene.JSONString(description="The whole draft; saved even with problems (see flow.problems).")


class LtvFlowUpdate(_FlowMutation):
    class Arguments:
        id = graphene.ID(required=True)
        input = LtvFlowUpdateInput(required=True)

    @classmethod
    def perform(cls, who, id, input):
        flow = service.save_draft(_flow(id).pk, who, name=input.get("name"), description=input.get("description"),
                                  definition=input.get("definition"))
        return cls(flow=flow, errors=[])


class _PublishingMutation(_FlowMutation):
    """A mutation that publishes: the draft's problems refuse it, one error per problem."""

    problems = graphene.List(graphene.NonNull(LtvFlowProblem), required=True)

    class Meta:
        abstract = True

    @classmethod
    def published(cls, publish):
        try:
            flow = publish()
        except service.PublishRefused as refused:
            errors = [LtvError(field=p.path, message=p.message, code=CODES.get(p.code, "invalid"))
                      for p in refused.problems]
            return cls(errors=errors, problems=_problems(refused.problems))
        return cls(flow=flow, errors=[], problems=[])

    @classmethod
    def mutate(cls, root, info, **data):
        result = super().mutate(root, info, **data)
        result.problems = result.problems or []
        return result


class LtvFlowPublish(_PublishingMutation):
    """Check the draft with the database (segments, content) and publish it as the next version."""

    class Arguments:
        id = graphene.ID(required=True)

    @classmethod
    def perform(cls, who, id):
        return cls.published(lambda: service.publish(_flow(id).pk, who))


def _state_mutation(name: str, change, doc: str):
    def perform(cls, who, id):
        return cls(flow=change(_flow(id).pk, who), errors=[])

    return type(name, (_FlowMutation,), {"__doc__": doc, "Arguments": type("Arguments", (), {
        "id": graphene.ID(required=True)}), "perform": classmethod(perform)})


LtvFlowPause = _state_mutation("LtvFlowPause", service.pause, "No new entries; waiting steps hold.")
LtvFlowResume = _state_mutation("LtvFlowResume", service.resume, "A paused flow goes live again.")
LtvFlowArchive = _state_mutation("LtvFlowArchive", service.archive, "Retire the flow (it stays in reports).")


class LtvFlowTestSend(graphene.Mutation):
    """A send step's mail to your own address ([TEST] in the subject), through the shop's mail server; for a
    postal DM step, its letter as a one-letter PDF (letterPdf), printed as the print job prints it — nothing
    is mailed or posted."""

    sent_to = graphene.String()
    letter_pdf = graphene.String(description="A postal DM step's test: the one-letter PDF, base64.")
    filename = graphene.String(description="The PDF's file name.")
    errors = graphene.List(graphene.NonNull(LtvError), required=True)

    class Arguments:
        id = graphene.ID(required=True)
        step_id = graphene.String(required=True)
        account_id = graphene.ID(description="Fill it from this account (default: the latest buyer).")
        language = graphene.String()

    @staticmethod
    def mutate(root, info, id, step_id, account_id=None, language=None):
        who = require(info, Scope.SETTINGS)
        try:
            account = None if account_id is None else _pk(account_id, "LtvAccount", "accountId")
            result = service.test_send(_flow(id), step_id, who, account, language)
        except InputError as exc:
            return LtvFlowTestSend(errors=errors_from(exc))
        pdf = base64.b64encode(result.pdf).decode() if result.pdf is not None else None
        return LtvFlowTestSend(sent_to=result.sent_to, letter_pdf=pdf, filename=result.filename or None, errors=[])


class LtvBroadcastCreateInput(graphene.InputObjectType):
    name = graphene.String(required=True)
    segment_id = graphene.ID(required=True, description="An LtvSavedSegment of the channel.")
    content = graphene.JSONString(description="The mail: {\"ja\": {subject, preheader, blocks}, \"en\": {…}}.")
    send_at = graphene.DateTime(description="When to send (with its offset); empty: when scheduled.")


class LtvBroadcastCreate(_FlowMutation):
    class Arguments:
        channel = graphene.String(required=True)
        input = LtvBroadcastCreateInput(required=True)

    @classmethod
    def perform(cls, who, channel, input):
        segment = _pk(input.get("segment_id"), "LtvSavedSegment", "input.segmentId")
        flow = service.create_broadcast(channel, who, input.get("name"), segment, content=input.get("content"),
                                        send_at=input.get("send_at"))
        return cls(flow=flow, errors=[])


class LtvBroadcastSchedule(_PublishingMutation):
    """Publish the broadcast to go at sendAt (empty: at once); refused once it has started."""

    class Arguments:
        id = graphene.ID(required=True)
        send_at = graphene.DateTime()

    @classmethod
    def perform(cls, who, id, send_at=None):
        return cls.published(lambda: service.schedule_broadcast(_flow(id).pk, who, send_at))


LtvBroadcastCancel = _state_mutation("LtvBroadcastCancel", service.cancel_broadcast,
                                     "Cancel a broadcast before it starts sending (it is archived).")


class FlowMutations(graphene.ObjectType):
    ltv_flow_create = LtvFlowCreate.Field()
    ltv_flow_update = LtvFlowUpdate.Field()
    ltv_flow_publish = LtvFlowPublish.Field()
    ltv_flow_pause = LtvFlowPause.Field()
    ltv_flow_resume = LtvFlowResume.Field()
    ltv_flow_archive = LtvFlowArchive.Field()
    ltv_flow_test_send = LtvFlowTestSend.Field()
    ltv_broadcast_create = LtvBroadcastCreate.Field()
    ltv_broadcast_schedule = LtvBroadcastSchedule.Field()
    ltv_broadcast_cancel = LtvBroadcastCancel.Field()
