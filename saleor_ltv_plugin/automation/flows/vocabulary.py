"""definition.py's vocabulary as plain data, so an editor builds its forms from it (no copy of it).

Every field is {"type", "required", "min", "max", "choices"}; labels are the Dashboard's
(labels.json), keyed by these names.
"""

from __future__ import annotations

from . import definition as d
from ..content import MERGE_FIELDS


def _field(spec: d.Field) -> dict:
    return {"type": spec.kind, "required": spec.required, "min": spec.minimum, "max": spec.maximum,
            "choices": list(spec.choices)}


def _fields(specs: dict[str, d.Field]) -> dict:
    return {name: _field(spec) for name, spec in specs.items()}


def _table(table: dict[str, dict[str, d.Field]]) -> dict:
    return {kind: _fields(specs) for kind, specs in table.items()}


def vocabulary() -> dict:
    return {
        "triggers": _table(d.TRIGGERS),
        "events": _table(d.EVENTS),
        "metric_triggers": _table(d.METRIC_TRIGGERS),
        "insight_triggers": _table(d.INSIGHT_TRIGGERS),
        "date_fields": list(d.DATE_FIELDS),
        "steps": _table(d.STEPS),
        "conditions": _table(d.CONDITIONS),
        "updates": _table(d.UPDATES),
        "auto_winner": _fields(d.AUTO_WINNER),
        "exits": list(d.EXITS),
        "buyer_channels": list(d.BUYER_CHANNELS),
        "staff_channels": list(d.STAFF_CHANNELS),
        "reentry_modes": ["never", "after_days"],
        "limits": {"max_steps": d.MAX_STEPS, "max_delay_hours": d.MAX_DELAY_HOURS, "ab_variants": [2, 4],
                   "ab_weight": [1, 100], "holdout_percent": [0, 50], "reentry_days": [1, 3650]},
        "merge_fields": [{"key": key, "label": field.label} for key, field in MERGE_FIELDS.items()],
    }
