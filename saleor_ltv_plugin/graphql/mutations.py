"""Staff mutations: saved segments, recompute, API keys. Errors come back in `errors`,
Saleor-style; permission failures as top-level GraphQL errors."""

from __future__ import annotations

import graphene
from django.db import IntegrityError, transaction
from django.utils import timezone
from graphene import relay

from .. import db
from ..auth import Scope, describe_scopes, new_api_key
from ..automation import segment_use
from ..models import Account, ApiKey, RecomputeRun, SavedSegment
from ..queries.accounts import clean_filter
from ..queries.errors import InputError
from .core import LtvError, errors_from
from .enums import LtvApiKeyScope
from .inputs import LtvAccountFilterInput, filter_dict
from .permissions import principal, require
from .types import LtvSavedSegment, LtvSegmentUse


def _node_pk(global_id: str, type_name: str, field: str = "id") -> int:
    try:
        kind, pk = relay.Node.from_global_id(global_id)
        if kind != type_name:
            raise ValueError
        return int(pk)
    except Exception:  # noqa: BLE001 — any undecodable id is the caller's mistake
        raise InputError({field: f"is not a {type_name} id"}, code="not_found") from None


def _segment(global_id: str) -> SavedSegment:
    # Locked: a scenario update pointing at it waits (it locks the segment first, too).
    segment = SavedSegment.objects.select_for_update().filter(pk=_node_pk(global_id, "LtvSavedSegment")).first()
    if segment is None:
        raise InputError({"id": "no saved segment with this id"}, code="not_found")
    return segment


class LtvSavedSegmentInput(graphene.InputObjectType):
    name = graphene.String()
    channel = graphene.String()
    description = graphene.String()
    filter = LtvAccountFilterInput()


def _apply(segment: SavedSegment, data) -> None:
    errors, ja = {}, {}
    for name, limit in (("name", 100), ("channel", 128), ("description", 500)):
        value = data.get(name)
        if value is None:
            if name != "description" and not getattr(segment, name):
                errors[f"input.{name}"] = "required"
            continue
        if (name != "description" and not value.strip()) or len(value) > limit:
            errors[f"input.{name}"] = f"must be 1 to {limit} characters"
        else:
            setattr(segment, name, value.strip())
    if data.get("filter") is not None:
        try:
            spec = clean_filter(filter_dict(data["filter"]))
        except InputError as exc:
            errors.update(exc.prefixed("input.").errors)
            ja.update(exc.prefixed("input.").ja)
        else:
            spec.pop("channel", None)  # the segment's own channel applies
            segment.filter = spec
    if errors:
        raise InputError(errors, code="required" if set(errors.values()) == {"required"} else "invalid", ja=ja)


class _SegmentMutation(graphene.Mutation):
    saved_segment = graphene.Field(LtvSavedSegment)
    errors = graphene.List(graphene.NonNull(LtvError), required=True)

    class Meta:
        abstract = True

    @classmethod
    def mutate(cls, root, info, **data):
        who = require(info, Scope.SEGMENTS)
        try:
            with db.writer(), transaction.atomic():
                payload = cls.perform(who, **data)
                return cls(saved_segment=payload, errors=[]) if isinstance(payload, SavedSegment) else payload
        except InputError as exc:
            return cls(saved_segment=None, errors=errors_from(exc))
        except IntegrityError:
            return cls(saved_segment=None, errors=[LtvError(
                field="input.name", message="a segment with this name exists in the channel", code="unique")])


class LtvSavedSegmentCreate(_SegmentMutation):
    class Arguments:
        input = LtvSavedSegmentInput(required=True)

    @staticmethod
    def perform(who, input):
        segment = SavedSegment(created_by=who.email or who.label)
        _apply(segment, input)
        segment.save()
        return segment


class LtvSavedSegmentUpdate(_SegmentMutation):
    class Arguments:
        id = graphene.ID(required=True)
        input = LtvSavedSegmentInput(required=True)

    @staticmethod
    def perform(who, id, input):
        segment = _segment(id)
        channel = segment.channel
        _apply(segment, input)
        uses = segment_use.uses_of(segment.pk, lock=True) if segment.channel != channel else []
        if uses:  # the scenarios only look for it in their own channel: they would lose it silently
            raise InputError({"input.channel": f"the segment is used by {segment_use.describe(uses)}; "
                              "switch them to another segment first"}, code="in_use")
        segment.save()
        return segment


class LtvSavedSegmentDuplicate(_SegmentMutation):
    """A copy of a saved segment (same channel and filter) under a new name, to edit apart."""

    class Arguments:
        id = graphene.ID(required=True)
        name = graphene.String(required=True)

    @staticmethod
    def perform(who, id, name):
        original = _segment(id)
        copy = SavedSegment(created_by=who.email or who.label, channel=original.channel,
                            description=original.description, filter=original.filter)
        _apply(copy, {"name": name})
        copy.save()
        return copy


class LtvSavedSegmentDelete(_SegmentMutation):
    """Delete a saved segment. One that scenarios use is refused, naming them, unless `detach`
    (which changes those scenarios, so it also needs MANAGE_PLUGINS / settings:write)."""

    detached_from = graphene.List(graphene.NonNull(LtvSegmentUse),
                                  description="The scenarios `detach` removed the segment from.")

    class Arguments:
        id = graphene.ID(required=True)
        detach = graphene.Boolean(default_value=False,
                                  description="Remove the segment from the scenarios using it, then delete it.")

    @classmethod
    def mutate(cls, root, info, **data):
        require(info, Scope.SEGMENTS)
        if data.get("detach"):
            require(info, Scope.SETTINGS)
        return super().mutate(root, info, **data)

    @classmethod
    def perform(cls, who, id, detach=False):
        segment = _segment(id)
        uses = segment_use.uses_of(segment.pk, lock=True)
        flows = [u for u in uses if not u.detachable]
        if flows:
            raise InputError({"id": f"the segment is used by {segment_use.describe(flows)}; edit or archive "
                              "them first (a flow's version is not changed from here)"}, code="in_use")
        if uses and not detach:
            raise InputError({"id": f"the segment is used by {segment_use.describe(uses)}; switch them "
                              "to another segment, or pass detach: true to remove it from them"}, code="in_use")
        segment_use.detach(uses, by=who.email or who.label)
        deleted = SavedSegment(pk=segment.pk, name=segment.name, channel=segment.channel,
                               description=segment.description, filter=segment.filter,
                               created_at=segment.created_at, updated_at=segment.updated_at)
        segment.delete()
        return cls(saved_segment=deleted, detached_from=uses, errors=[])


class LtvRecomputeRun(graphene.ObjectType):
    id = graphene.Int(required=True)
    status = graphene.String(required=True)
    progress = graphene.Float(required=True)
    accounts = graphene.Int(required=True)
    started_at = graphene.DateTime(required=True)
    finished_at = graphene.DateTime()


class LtvRecomputeTrigger(graphene.Mutation):
    """Queue a full recompute (Celery); poll ltvRecomputeRuns for progress."""

    queued = graphene.Boolean(required=True)
    errors = graphene.List(graphene.NonNull(LtvError), required=True)

    class Arguments:
        channel = graphene.String()

    @staticmethod
    def mutate(root, info, channel=None):
        require(info, Scope.RECOMPUTE)
        if channel is not None and not Account.objects.filter(channel=channel).exists():
            return LtvRecomputeTrigger(queued=False, errors=[LtvError(
                field="channel", message="no orders were recorded for this channel", code="not_found")])
        from ..tasks.metrics import queue_recompute

        if queue_recompute(channel) is None:
            return LtvRecomputeTrigger(queued=False, errors=[LtvError(
                field=None, message="a recompute is already running", code="duplicated")])
        return LtvRecomputeTrigger(queued=True, errors=[])


class LtvApiKey(graphene.ObjectType):
    id = graphene.Int(required=True)
    name = graphene.String(required=True)
    prefix = graphene.String(required=True)
    scopes = graphene.List(graphene.NonNull(graphene.String), required=True)
    created_at = graphene.DateTime(required=True)
    last_used_at = graphene.DateTime()
    revoked_at = graphene.DateTime()


class LtvApiKeyCreate(graphene.Mutation):
    """Create an integration key. `key` is shown once: only its hash is kept. Only scopes the
    caller holds can be granted (a Saleor user's come from their permissions)."""

    api_key = graphene.Field(LtvApiKey)
    key = graphene.String()
    errors = graphene.List(graphene.NonNull(LtvError), required=True)

    class Arguments:
        name = graphene.String(required=True)
        scopes = graphene.List(graphene.NonNull(LtvApiKeyScope), required=True)

    @staticmethod
    def mutate(root, info, name, scopes):
        who = require(info, Scope.SETTINGS)
        beyond = who.lacks(scopes)
        if beyond:
            return LtvApiKeyCreate(errors=[LtvError(
                field="scopes", code="out_of_scope_permission",
                message=f"you cannot grant scopes you do not hold: {describe_scopes(beyond)}")])
        try:
            with db.writer():
                raw, key = new_api_key(name, scopes, created_by=who.email or who.label)
        except ValueError as exc:
            field = "scopes" if "scope" in str(exc) else "name"
            return LtvApiKeyCreate(errors=[LtvError(field=field, message=str(exc), code="invalid")])
        return LtvApiKeyCreate(api_key=key, key=raw, errors=[])


class LtvApiKeyRevoke(graphene.Mutation):
    """Revoke a key; only a caller holding every scope of the key may (the operator key holds all)."""

    api_key = graphene.Field(LtvApiKey)
    errors = graphene.List(graphene.NonNull(LtvError), required=True)

    class Arguments:
        id = graphene.Int(required=True)

    @staticmethod
    def mutate(root, info, id):
        who = require(info, Scope.SETTINGS)
        key = ApiKey.objects.filter(pk=id).first()
        if key is None:
            return LtvApiKeyRevoke(errors=[LtvError(field="id", message="no API key with this id", code="not_found")])
        beyond = who.lacks(key.scopes)
        if beyond:  # else a narrow key could cut off any integration
            return LtvApiKeyRevoke(errors=[LtvError(
                field="id", code="out_of_scope_permission",
                message=f"this key holds scopes you do not hold: {describe_scopes(beyond)}")])
        if key.revoked_at is None:
            key.revoked_at = timezone.now()
            with db.writer():
                key.save(update_fields=["revoked_at"])
        return LtvApiKeyRevoke(api_key=key, errors=[])


class AdminQueries(graphene.ObjectType):
    ltv_recompute_runs = graphene.List(graphene.NonNull(LtvRecomputeRun), required=True,
                                       first=graphene.Int(default_value=10, description="At most 50."))
    ltv_api_keys = graphene.List(graphene.NonNull(LtvApiKey), required=True)
    ltv_me = graphene.Field(graphene.NonNull(graphene.String), description="Who the API takes you for (kind:label).")

    @staticmethod
    def resolve_ltv_recompute_runs(root, info, first=10):
        require(info, Scope.READ)
        return list(RecomputeRun.objects.order_by("-started_at")[: max(0, min(first, 50))])

    @staticmethod
    def resolve_ltv_api_keys(root, info):
        require(info, Scope.SETTINGS)
        return list(ApiKey.objects.order_by("-created_at")[:500])

    @staticmethod
    def resolve_ltv_me(root, info):
        who = principal(info)
        return f"{who.kind}:{who.email or who.user_id or who.label}"
