"""Filter and sort inputs of the account list; the same names as the shared filter spec."""

import graphene

from ..engine.metric_columns import BY_NAME
from ..queries.segment_spec import DATE, INT, NUMBER, RANGES, merge_spec

from .enums import LtvAccountSortField, LtvCpmCell, LtvRfmSegment, LtvStage, OrderDirection


class IntRangeInput(graphene.InputObjectType):
    gte = graphene.Int()
    lte = graphene.Int()


class FloatRangeInput(graphene.InputObjectType):
    gte = graphene.Float()
    lte = graphene.Float()


class DateRangeInput(graphene.InputObjectType):
    gte = graphene.Date()
    lte = graphene.Date()


_RANGE_INPUTS = {INT: IntRangeInput, NUMBER: FloatRangeInput, DATE: DateRangeInput}


def _ranges() -> dict:
    """A {gte, lte} input per range of the filter language (the metric figures)."""
    return {name: graphene.Field(_RANGE_INPUTS[kind], description=BY_NAME[name].description or None)
            for name, (_, kind) in RANGES.items()}


LtvAccountFilterInput = type("LtvAccountFilterInput", (graphene.InputObjectType,), {
    "channel": graphene.String(description="Channel slug."),
    "currency": graphene.String(),
    "search": graphene.String(description="Company / account name or a contact's e-mail, contains."),
    "sku": graphene.String(description="Accounts that bought this SKU."),
    "acquisition_source": graphene.String(description="Accounts whose first order came from this utm_source."),
    "stages": graphene.List(graphene.NonNull(LtvStage)),
    "cpm_cells": graphene.List(graphene.NonNull(LtvCpmCell)),
    "rfm_segments": graphene.List(graphene.NonNull(LtvRfmSegment)),
    **_ranges(),
    "churn_risk": graphene.Boolean(),
    "spec": graphene.JSONString(description=(
        "More of the filter in the filter language's JSON, the form a saved segment stores (snake_case "
        "names, lowercase values): the fields above, groups all: [node], any: [node], not: node, and "
        "bought {sku|product, min_times, since, until, within_days, never}, viewed {sku|product, within_days, "
        "not_bought}, tags, sales_sources, languages, prefectures, regions, consent {medium, states}, "
        "stage_on {day, stages} (the stage on a past day; none: no stage then). "
        "ANDed with the fields above; a field given in both is refused.")),
})


class LtvAccountSortingInput(graphene.InputObjectType):
    field = graphene.Field(LtvAccountSortField, required=True)
    direction = graphene.Field(OrderDirection, required=True)


def filter_dict(value) -> dict:
    """A graphene input (nested InputObjectTypes, enums, the JSON `spec`) as the plain filter dict."""
    if value is None:
        return {}
    out = {}
    spec = None
    for key, item in dict(value).items():
        if item is None:
            continue
        if key == "spec":
            spec = item
            continue
        if isinstance(item, dict):
            item = {k: v for k, v in dict(item).items() if v is not None}
        out[key] = item
    return out if spec is None else merge_spec(out, spec, "filter.spec")
