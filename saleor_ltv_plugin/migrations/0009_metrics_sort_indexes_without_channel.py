# The AccountMetrics sort indexes without the channel prefix (a text key first tripled
# each rebuild of a full recompute). Database side by hand, as in 0005: PostgreSQL gets
# NULLS LAST (the API's sort), SQLite the same columns without it.

from django.db import migrations, models

TABLE = "saleor_ltv_plugin_accountmetrics"
OLD = {
    "ltv_metrics_next": '"channel", "next_purchase_on" ASC NULLS LAST, "account_id" ASC',
    "ltv_metrics_overdue": '"channel", "overdue_ratio" DESC NULLS LAST, "account_id" DESC',
    "ltv_metrics_spend": '"channel", "monetary" DESC NULLS LAST, "account_id" DESC',
}
NEW = {
    "ltv_metrics_by_next": '"next_purchase_on" ASC NULLS LAST, "account_id" ASC',
    "ltv_metrics_by_overdue": '"overdue_ratio" DESC NULLS LAST, "account_id" DESC',
    "ltv_metrics_by_spend": '"monetary" DESC NULLS LAST, "account_id" DESC',
}


def _replace(schema_editor, drop: dict, create: dict) -> None:
    postgres = schema_editor.connection.vendor == "postgresql"
    for name in drop:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
    for name, columns in create.items():
        schema_editor.execute(f'CREATE INDEX "{name}" ON "{TABLE}" '
                              f'({columns if postgres else columns.replace(" NULLS LAST", "")})')


def forwards(apps, schema_editor):
    _replace(schema_editor, OLD, NEW)


def backwards(apps, schema_editor):
    _replace(schema_editor, NEW, OLD)


class Migration(migrations.Migration):

    dependencies = [
        ('saleor_ltv_plugin', '0008_automation_scan_clock'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forwards, backwards)],
            state_operations=[
                migrations.RemoveIndex(model_name='accountmetrics', name='ltv_metrics_next'),
                migrations.RemoveIndex(model_name='accountmetrics', name='ltv_metrics_overdue'),
                migrations.RemoveIndex(model_name='accountmetrics', name='ltv_metrics_spend'),
                migrations.AddIndex(
                    model_name='accountmetrics',
                    index=models.Index(models.OrderBy(models.F('next_purchase_on')), models.OrderBy(models.F('account_id')), name='ltv_metrics_by_next'),
                ),
                migrations.AddIndex(
                    model_name='accountmetrics',
                    index=models.Index(models.OrderBy(models.F('overdue_ratio'), descending=True), models.OrderBy(models.F('account_id'), descending=True), name='ltv_metrics_by_overdue'),
                ),
                migrations.AddIndex(
                    model_name='accountmetrics',
                    index=models.Index(models.OrderBy(models.F('monetary'), descending=True), models.OrderBy(models.F('account_id'), descending=True), name='ltv_metrics_by_spend'),
                ),
            ],
        ),
    ]
