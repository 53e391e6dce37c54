"""Enums over the engine's code lists, so a client can't ask for a stage that doesn't exist."""

import graphene

from ..auth import ALL_SCOPES
from ..engine.cpm import CELLS
from ..engine.lifecycle import STAGES
from ..engine.rfm import SEGMENTS
from ..queries.accounts import SORT_FIELDS


def _enum(name: str, values, description: str):
    return graphene.Enum(name, [(v.upper().replace(":", "_"), v) for v in values], description=description)


LtvStage = _enum("LtvStage", STAGES, "Lifecycle stage (seed 004 thresholds by default).")
LtvCpmCell = _enum("LtvCpmCell", CELLS, "CPM cell: purchase group × active/lapsed.")
LtvRfmSegment = _enum("LtvRfmSegment", SEGMENTS, "Named RFM segment.")
LtvAccountSortField = _enum("LtvAccountSortField", SORT_FIELDS, "Metric to sort accounts by.")
LtvSegmentDimension = _enum("LtvSegmentDimension", ("stage", "cpm_cell", "rfm_segment"), "Snapshot dimension.")
LtvApiKeyScope = _enum("LtvApiKeyScope", sorted(ALL_SCOPES), "What an API key may do.")


class OrderDirection(graphene.Enum):
    ASC = "asc"
    DESC = "desc"
