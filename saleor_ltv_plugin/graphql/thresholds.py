"""Per-channel thresholds over GraphQL (thresholds.py): read with a proposal from the channel's own
data, preview how many accounts a change moves, save."""

from __future__ import annotations

import graphene

from .. import thresholds
from ..auth import Scope
from .core import LtvError
from .permissions import principal, require

S = graphene.String


class LtvThresholdGroup(graphene.ObjectType):
    name = S(required=True, description="rfm, cpm, lifecycle, rhythm.")
    fields = graphene.List(graphene.NonNull(S), required=True)


class LtvThresholds(graphene.ObjectType):
    channel = S(required=True)
    values = graphene.JSONString(required=True, description="{name: value} in force (what the next re-score uses).")
    defaults = graphene.JSONString(required=True, description="{name: value} when the channel sets none; lifecycle "
                                   "days come from the host's settings.")
    groups = graphene.List(graphene.NonNull(LtvThresholdGroup), required=True)
    proposal = graphene.JSONString(required=True, description="Bounds from the channel's stored metrics ({} "
                                   "before the first recompute); proposalBasis says which quantiles.")
    proposal_basis = graphene.JSONString(required=True, language=S(default_value="en"),
                                         description="{name: how it is computed}, ja or en.")
    can_edit = graphene.Boolean(required=True, description="The caller holds MANAGE_PLUGINS (API keys: "
                                "settings:write).")
    updated_at = graphene.DateTime()
    updated_by = S()

    @staticmethod
    def resolve_groups(root, info):
        return [LtvThresholdGroup(name=n, fields=list(f)) for n, f in thresholds.GROUPS]

    @staticmethod
    def resolve_proposal_basis(root, info, language="en"):
        return thresholds.PROPOSAL_QUANTILES_JA if language == "ja" else thresholds.PROPOSAL_QUANTILES

    @staticmethod
    def resolve_can_edit(root, info):
        return principal(info).can(Scope.SETTINGS)


class LtvThresholdMove(graphene.ObjectType):
    from_ = S(required=True, name="from")
    to = S(required=True)
    accounts = graphene.Int(required=True)


class LtvThresholdCount(graphene.ObjectType):
    value = S(required=True, description="A stage, CPM cell, RFM segment, or true/false for churnRisk.")
    before = graphene.Int(required=True)
    after = graphene.Int(required=True)


class LtvThresholdDimension(graphene.ObjectType):
    name = S(required=True, description="stage, cpm_cell, rfm_segment, churn_risk.")
    changed = graphene.Int(required=True, description="Accounts whose value changes.")
    counts = graphene.List(graphene.NonNull(LtvThresholdCount), required=True)
    moves = graphene.List(graphene.NonNull(LtvThresholdMove), required=True)


class LtvThresholdsPreview(graphene.ObjectType):
    channel = S(required=True)
    accounts = graphene.Int(required=True, description="Accounts with stored metrics (those previewed).")
    dimensions = graphene.List(graphene.NonNull(LtvThresholdDimension), required=True)


def _reading(channel: str) -> LtvThresholds:
    at, by = thresholds.updated(channel)
    return LtvThresholds(channel=channel, values=thresholds.in_force(channel), defaults=thresholds.defaults(channel),
                         proposal=thresholds.propose(channel), updated_at=at, updated_by=by or None)


def _preview(result: dict) -> LtvThresholdsPreview:
    dims = []
    for name, d in result["dimensions"].items():
        values = sorted(set(d["before"]) | set(d["after"]))
        dims.append(LtvThresholdDimension(
            name=name, changed=d["changed"],
            counts=[LtvThresholdCount(value=v, before=d["before"].get(v, 0), after=d["after"].get(v, 0))
                    for v in values],
            moves=[LtvThresholdMove(from_=m["from"], to=m["to"], accounts=m["accounts"]) for m in d["moves"]]))
    return LtvThresholdsPreview(channel=result["channel"], accounts=result["accounts"], dimensions=dims)


class ThresholdsQueries(graphene.ObjectType):
    ltv_thresholds = graphene.Field(
        LtvThresholds, required=True, channel=S(required=True, description="The sales channel."),
        description="The channel's thresholds in force, their defaults and a proposal from its own data (staff).")
    ltv_thresholds_preview = graphene.Field(
        LtvThresholdsPreview, required=True, channel=S(required=True),
        input=graphene.JSONString(required=True, description="{name: value} changes, as for ltvThresholdsUpdate."),
        description="How many accounts the changes move (stage, CPM cell, RFM segment, churn flag), from → to, on "
        "the stored metrics aged to today: what a re-score today gives, with no new orders. Nothing is saved. "
        "Invalid input: an "
        "error whose extensions.fields name each field with its reason (en, messageJa).")

    @staticmethod
    def resolve_ltv_thresholds(root, info, channel):
        require(info, Scope.READ)
        return _reading(channel)

    @staticmethod
    def resolve_ltv_thresholds_preview(root, info, channel, input):
        require(info, Scope.READ)
        return _preview(thresholds.preview(channel, input))


class LtvThresholdsUpdate(graphene.Mutation):
    """Save a channel's thresholds (MANAGE_PLUGINS; API keys: settings:write): validated whole, applied at the
    next re-score. Each error's `field` is the threshold's name (rfm_r_bounds, cpm_high_spend.JPY …)."""

    class Arguments:
        channel = S(required=True)
        input = graphene.JSONString(required=True, description="{name: value}: a name left out is unchanged, "
                                    "null restores the default.")

    thresholds = graphene.Field(LtvThresholds)
    changed = graphene.List(graphene.NonNull(S), description="The names whose value changed.")
    errors = graphene.List(graphene.NonNull(LtvError), required=True)

    @staticmethod
    def mutate(root, info, channel, input):
        who = require(info, Scope.SETTINGS)
        try:
            changed = thresholds.update(channel, input, by=who.email or who.label or who.kind)
        except thresholds.ThresholdsError as exc:
            return LtvThresholdsUpdate(errors=[
                LtvError(field=name, message=reason, message_ja=exc.ja.get(name), code="invalid")
                for name, reason in exc.errors.items()])
        return LtvThresholdsUpdate(thresholds=_reading(channel), changed=changed, errors=[])
