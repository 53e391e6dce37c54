"""Flows as the APIs change them: create, save a draft, publish a version, pause, resume, archive;
broadcasts (a flow of kind broadcast: its segment's members once, at a time); preview and test send.

Every refusal is an InputError keyed by the input field at fault; publishing refuses with the
draft's problems (PublishRefused), each with its path and step. Writes lock the flow's row, so
two publishes never share a version number.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from dataclasses import dataclass

from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from ... import conf, db
from ...auth import Principal
from ...models import Enrollment, Flow, FlowKind, FlowState, FlowVersion, SavedSegment
from ...queries.errors import InputError
from .. import sender_identity
from ..catalog import SCENARIOS
from ..channels import SENT
from ..channels.email import sender as mail_sender
from . import templates
from .definition import BUYER_CHANNELS, Problem, parse, to_json
from .mail_content import Preview, PreviewError, content_problems, render_preview, sample_letter, shop_sender

KEY_LENGTH = 32
KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
MAX_DEFINITION_BYTES = 256 * 1024
TEST_PREFIX = "[TEST] "


class PublishRefused(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(f"{p.path}: {p.message}" for p in problems))
        self.problems = problems


def _who(who: Principal) -> str:
    return (who.email or who.label or who.kind)[:254]


def _text(field: str, value, limit: int, required: bool = False) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InputError({field: "is required"}, code="required")
        return ""
    if not isinstance(value, str) or len(value.strip()) > limit or "\x00" in value:
        raise InputError({field: f"must be a text of at most {limit} characters"})
    return value.strip()


def _channel(channel) -> str:
    return _text("channel", channel, 128, required=True)


# ---- checking a definition with the database ---------------------------------------------------------

def segment_exists(channel: str):
    known: dict[int, bool] = {}

    def exists(pk: int) -> bool:
        if pk not in known:
            known[pk] = SavedSegment.objects.filter(pk=pk, channel=channel).exists()
        return known[pk]

    return exists


def _kind_problems(kind: str, raw) -> list[Problem]:
    trigger = raw.get("trigger") if isinstance(raw, dict) else None
    is_broadcast = isinstance(trigger, dict) and trigger.get("kind") == "broadcast"
    if kind == FlowKind.BROADCAST and not is_broadcast:
        return [Problem("trigger.kind", "a broadcast's trigger is kind broadcast", "invalid")]
    if kind == FlowKind.FLOW and is_broadcast:
        return [Problem("trigger.kind", "a broadcast trigger needs a broadcast (ltvBroadcastCreate)", "invalid")]
    if is_broadcast and trigger.get("send_at") is not None and _send_at(trigger) is None:
        return [Problem("trigger.send_at", "must be an ISO 8601 date and time with its offset", "invalid")]
    return []


def check(flow: Flow, raw=None):
    """(Definition | None, problems) of `raw` (default: the flow's draft) with the database's checks."""
    raw = flow.draft if raw is None else raw
    definition, problems = parse(raw, segment_exists=segment_exists(flow.channel), content_check=content_problems)
    problems = _kind_problems(flow.kind, raw) + problems
    return (None if problems else definition), problems


def draft_problems(flow: Flow) -> list[Problem]:
    return check(flow)[1]


def has_unpublished_changes(flow: Flow) -> bool:
    live = flow.live_version
    return live is None or live.definition != flow.draft


# ---- create and edit ---------------------------------------------------------------------------------

def empty_definition() -> dict:
    """A draft that parses, for a flow started from scratch: order placed → end."""
    return {"trigger": {"kind": "event", "event": "order_placed"}, "entry": {}, "exit_on": [],
            "reentry": {"mode": "never"}, "holdout_percent": None, "start": "end",
            "steps": [{"id": "end", "kind": "exit"}]}


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")[:KEY_LENGTH] or "flow"


def _free_key(channel: str, base: str) -> str:
    taken = set(Flow.objects.filter(channel=channel, key__startswith=base[:KEY_LENGTH - 4])
                .values_list("key", flat=True)) | set(SCENARIOS)
    if base not in taken:
        return base
    for n in range(2, 10_000):
        candidate = f"{base[:KEY_LENGTH - len(str(n)) - 1]}_{n}"
        if candidate not in taken:
            return candidate
    raise InputError({"input.key": "no free key left for this name; give one"}, code="unique")


def _clean_key(channel: str, key) -> str:
    key = _text("input.key", key, KEY_LENGTH, required=True)
    if not KEY.match(key):
        raise InputError({"input.key": "must be 1 to 32 lowercase letters, digits, - or _"})
    if key in SCENARIOS:
        raise InputError({"input.key": f"{key} is the ready scenario's own key"}, code="unique")
    if Flow.objects.filter(channel=channel, key=key).exists():
        raise InputError({"input.key": "a flow with this key exists in the channel"}, code="unique")
    return key


def create(channel: str, who: Principal, name, *, template_key=None, key=None, kind=FlowKind.FLOW,
           definition: dict | None = None) -> Flow:
    channel = _channel(channel)
    name = _text("input.name", name, 200, required=True)
    if kind not in FlowKind.values:
        raise InputError({"input.kind": f"must be one of {', '.join(FlowKind.values)}"})
    if template_key:
        if template_key not in templates.TEMPLATE_KEYS:
            raise InputError({"input.templateKey": f"unknown template; one of {', '.join(templates.TEMPLATE_KEYS)}"},
                             code="not_found")
        if kind == FlowKind.BROADCAST:
            raise InputError({"input.templateKey": "a broadcast starts from a segment, not a template"})
        definition = templates.template(template_key)
    flow = Flow(channel=channel, kind=kind, name=name, template_key=template_key or "",
                draft=definition if definition is not None else empty_definition(),
                created_by=_who(who), updated_by=_who(who))
    flow.key = _clean_key(channel, key) if key is not None else _free_key(channel, _slug(name))
    try:
        with db.writer(), transaction.atomic():
            flow.save()
    except IntegrityError:  # the same key created at the same moment
        raise InputError({"input.key": "a flow with this key exists in the channel"}, code="unique") from None
    return flow


def _locked(flow_id: int) -> Flow:
    flow = Flow.objects.select_for_update(of=("self",)).select_related("live_version").filter(pk=flow_id).first()
    if flow is None:
        raise InputError({"id": "no flow with this id"}, code="not_found")
    return flow


def _not_archived(flow: Flow) -> None:
    if flow.state == FlowState.ARCHIVED:
        raise InputError({"id": "the flow is archived"})


def save_draft(flow_id: int, who: Principal, *, name=None, description=None, definition=None) -> Flow:
    """Saves the draft even when it has problems (the editor shows them); refuses only bad input."""
    if definition is not None:
        if not isinstance(definition, dict):
            raise InputError({"input.definition": "must be a JSON object"})
        if len(json.dumps(definition)) > MAX_DEFINITION_BYTES:
            raise InputError({"input.definition": f"must be at most {MAX_DEFINITION_BYTES // 1024} KB"})
    with db.writer(), transaction.atomic():
        flow = _locked(flow_id)
        _not_archived(flow)
        if name is not None:
            flow.name = _text("input.name", name, 200, required=True)
        if description is not None:
            flow.description = _text("input.description", description, 1000)
        if definition is not None:
            flow.draft = definition
        flow.updated_by = _who(who)
        flow.save()
    return flow


# ---- publish and the state machine ------------------------------------------------------------------

def _mails_buyer(definition) -> bool:
    return any(s.kind == "send" and s.params.get("channel") in BUYER_CHANNELS for s in definition.steps.values())


def publish(flow_id: int, who: Principal) -> Flow:
    with db.writer(), transaction.atomic():
        flow = _locked(flow_id)
        _not_archived(flow)
        definition, problems = check(flow)
        if problems:
            raise PublishRefused(problems)
        if _mails_buyer(definition):
            incomplete = sender_identity.missing(flow.channel)
            if incomplete:
                raise InputError({f"settings.{k}": v for k, v in incomplete.items()}, code="sender_incomplete")
        document = to_json(definition)
        number = (flow.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = FlowVersion.objects.create(flow=flow, number=number, definition=document,
                                             published_by=_who(who))
        flow.draft, flow.live_version, flow.state = document, version, FlowState.LIVE
        flow.updated_by = _who(who)
        flow.save()
    return flow


def _move(flow_id: int, who: Principal, allowed: tuple[str, ...], to: str, refusal: str) -> Flow:
    with db.writer(), transaction.atomic():
        flow = _locked(flow_id)
        if flow.state not in allowed:
            raise InputError({"id": refusal.format(state=flow.state)})
        flow.state, flow.updated_by = to, _who(who)
        flow.save()
    return flow


def pause(flow_id: int, who: Principal) -> Flow:
    return _move(flow_id, who, (FlowState.LIVE,), FlowState.PAUSED, "only a live flow can be paused (it is {state})")


def resume(flow_id: int, who: Principal) -> Flow:
    return _move(flow_id, who, (FlowState.PAUSED,), FlowState.LIVE, "only a paused flow can resume (it is {state})")


def archive(flow_id: int, who: Principal) -> Flow:
    return _move(flow_id, who, (FlowState.DRAFT, FlowState.LIVE, FlowState.PAUSED), FlowState.ARCHIVED,
                 "the flow is already {state}")


# ---- broadcasts ------------------------------------------------------------------------------------

BROADCAST_STEP = "send"


def _send_at(trigger: dict) -> dt.datetime | None:
    value = trigger.get("send_at")
    try:
        at = dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return at if at is not None and at.tzinfo is not None else None


def _future(field: str, send_at: dt.datetime | None) -> str | None:
    if send_at is None:
        return None
    if timezone.is_naive(send_at):
        raise InputError({field: "needs a time zone offset"})
    if send_at <= timezone.now():
        raise InputError({field: "must be in the future (leave it empty to send at once)"})
    return send_at.isoformat()


def broadcast_definition(segment_id: int, content: dict | None, send_at: str | None) -> dict:
    return {"trigger": {"kind": "broadcast", "segment_id": segment_id, "send_at": send_at}, "entry": {},
            "exit_on": ["unsubscribed"], "reentry": {"mode": "never"}, "holdout_percent": None,
            "start": BROADCAST_STEP,
            "steps": [{"id": BROADCAST_STEP, "kind": "send", "channel": "email",
                       "content": content if content is not None else {"ja": {"subject": "", "blocks": []}},
                       "next": None}]}


def create_broadcast(channel: str, who: Principal, name, segment_id: int, *, content=None,
                     send_at: dt.datetime | None = None) -> Flow:
    channel = _channel(channel)
    if not SavedSegment.objects.filter(pk=segment_id, channel=channel).exists():
        raise InputError({"input.segmentId": "no saved segment with this id in the channel"}, code="not_found")
    if content is not None and not isinstance(content, dict):
        raise InputError({"input.content": "must be a JSON object"})
    document = broadcast_definition(segment_id, content, _future("input.sendAt", send_at))
    return create(channel, who, name, kind=FlowKind.BROADCAST, definition=document)


def started(flow: Flow) -> bool:
    """Whether a broadcast's send has begun: its time has come, or anyone entered it."""
    if flow.live_version is not None and flow.state != FlowState.DRAFT:
        at = _send_at(flow.live_version.definition.get("trigger") or {})
        if at is None or at <= timezone.now():
            return True
    return Enrollment.objects.filter(flow=flow).exists()


def _broadcast(flow_id: int) -> Flow:
    flow = _locked(flow_id)
    if flow.kind != FlowKind.BROADCAST:
        raise InputError({"id": "not a broadcast"})
    _not_archived(flow)
    if started(flow):
        raise InputError({"id": "the broadcast has started sending"})
    return flow


def schedule_broadcast(flow_id: int, who: Principal, send_at: dt.datetime | None = None) -> Flow:
    """Publish the broadcast to go at `send_at` (None: at once). Refused once it has started."""
    when = _future("sendAt", send_at)
    with db.writer(), transaction.atomic():
        flow = _broadcast(flow_id)
        trigger = flow.draft.get("trigger") if isinstance(flow.draft, dict) else None
        if isinstance(trigger, dict):
            flow.draft = {**flow.draft, "trigger": {**trigger, "send_at": when}}
            flow.save(update_fields=["draft", "updated_at"])
        return publish(flow.pk, who)


def cancel_broadcast(flow_id: int, who: Principal) -> Flow:
    with db.writer(), transaction.atomic():
        flow = _broadcast(flow_id)
        flow.state, flow.updated_by = FlowState.ARCHIVED, _who(who)
        flow.save()
    return flow


# ---- preview and test send --------------------------------------------------------------------------

def _send_step(flow: Flow, step_id: str) -> tuple[dict, str]:
    """(the send step's content, its medium: "email" unless the step names another channel)."""
    steps = flow.draft.get("steps") if isinstance(flow.draft, dict) else None
    step = next((s for s in steps or [] if isinstance(s, dict) and s.get("id") == step_id), None)
    if step is None:
        raise InputError({"stepId": f"the flow has no step {step_id!r}"}, code="not_found")
    if step.get("kind") != "send":
        raise InputError({"stepId": f"step {step_id} sends no mail (it is a {step.get('kind')} step)"})
    content = step.get("content")
    problems = content_problems(content, "content")
    if problems:
        raise InputError({f"stepId.{p.path}": p.message for p in problems})
    return content, str(step.get("channel") or "email")


def _language(flow: Flow, language) -> str:
    from ... import conf

    if language is None:
        return conf.channel_settings(flow.channel).default_language
    if language not in ("ja", "en"):
        raise InputError({"language": "must be ja or en"})
    return language


def preview(flow: Flow, step_id: str, account_id: int | None = None, language=None) -> Preview:
    content, medium = _send_step(flow, step_id)
    try:
        return render_preview(content, _language(flow, language), account_id, flow.channel, medium)
    except PreviewError as exc:
        raise InputError({exc.field: exc.message}, code=exc.code) from None


@dataclass(frozen=True)
class TrialResult:
    """A test: the address a mail went to, or — for a postal DM step — the one-letter PDF (nothing posted)."""
    sent_to: str | None = None
    pdf: bytes | None = None
    filename: str = ""


def test_send(flow: Flow, step_id: str, who: Principal, account_id: int | None = None, language=None) -> TrialResult:
    """The step's mail to the calling staff user's own address, through the shop's real mail path; a
    postal DM step's test is its letter as a one-letter PDF, printed as the print job prints it."""
    if _send_step(flow, step_id)[1] == "postal_dm":
        return TrialResult(pdf=_test_letter(flow, step_id, account_id, language),
                          filename=f"ltv-dm-test-{flow.key}-{step_id}.pdf")
    if not who.email:
        raise InputError({"email": "this credential has no e-mail address to send to (use a staff token)"},
                         code="required")
    shown = preview(flow, step_id, account_id, language)
    email = EmailMultiAlternatives(subject=TEST_PREFIX + shown.subject, body=shown.text,
                                   from_email=shop_sender(flow.channel), to=[who.email],
                                   headers={"X-LTV-Test": flow.key, "Content-Language": shown.language})
    email.attach_alternative(shown.html, "text/html")
    connection = mail_sender(conf.channel_settings(flow.channel))
    try:
        outcome = connection.send(email, lambda: True)
    finally:
        connection.close()
    if outcome.status != SENT:
        raise InputError({"email": f"the mail server did not take the test mail: {outcome.detail}"})
    return TrialResult(sent_to=who.email)


def _test_letter(flow: Flow, step_id: str, account_id: int | None, language) -> bytes:
    from ..dm.fonts import FontMissing

    content, _ = _send_step(flow, step_id)
    try:
        return sample_letter(content, _language(flow, language), account_id, flow.channel).pdf()
    except PreviewError as exc:
        raise InputError({exc.field: exc.message}, code=exc.code) from None
    except FontMissing as exc:  # the machine lacks a Japanese font: say which and how to get it
        raise InputError({"font": str(exc)}, code="font_missing") from None
