"""One schema for the metric columns (engine/metric_columns.py): the table, the filter language,
REST and GraphQL all hold exactly its columns, each typed by its kind."""

from __future__ import annotations

from saleor_ltv_plugin.api.schemas import MetricsOut
from saleor_ltv_plugin.engine.metric_columns import COLUMNS, FIGURES
from saleor_ltv_plugin.graphql.inputs import LtvAccountFilterInput
from saleor_ltv_plugin.graphql.types import LtvAccountMetrics
from saleor_ltv_plugin.models import AccountMetrics
from saleor_ltv_plugin.queries.segment_spec import CHOICES, RANGES

DJANGO = {"id": "OneToOneField", "code": "CharField", "label": "CharField", "date": "DateField",
          "count": "IntegerField", "days": "IntegerField", "score": "SmallIntegerField", "ratio": "FloatField",
          "money": "DecimalField", "flag": "BooleanField"}
BESIDE = {"channel", "computed_at"}  # stored with each row, not figures of the engine


def test_the_table_holds_exactly_the_schemas_columns_typed_by_kind():
    fields = {f.attname: f for f in AccountMetrics._meta.concrete_fields}
    assert set(fields) - BESIDE == {c.name for c in COLUMNS}
    for column in COLUMNS:
        field = fields[column.name]
        assert field.get_internal_type() == DJANGO[column.kind], column
        assert field.null == (not column.required), column  # never missing ⇔ NOT NULL (no label: '')


def test_rest_graphql_and_the_filter_language_carry_every_figure():
    assert set(MetricsOut.model_fields) - {"computed_at"} == {c.name for c in FIGURES}
    graphql = {name for name in LtvAccountMetrics._meta.fields} - {"computed_at"}
    assert graphql == {c.name.replace("_purchase_at", "_purchase_on") for c in FIGURES}
    labels = {c.name for c in FIGURES if c.kind == "label"}
    assert set(RANGES) == {c.name for c in FIGURES} - labels - {"churn_risk"}
    assert {field for field, _ in CHOICES.values()} == labels
    assert set(RANGES) <= set(LtvAccountFilterInput._meta.fields)
    for column in FIGURES:  # required in REST ⇔ never null there
        annotation = str(MetricsOut.model_fields[column.name].annotation)
        assert ("Optional" in annotation or "None" in annotation) == (not column.required), column


def test_the_export_carries_every_column_in_the_schemas_order():
    from saleor_ltv_plugin.api.exports import COLUMNS as EXPORTED, IDENTITY

    names = [name for name, _ in EXPORTED]
    assert names[:len(IDENTITY)] == ["account_id", "name", "key", "channel"]
    assert names[len(IDENTITY):] == [c.name for c in COLUMNS if c.name != "account_id"]
