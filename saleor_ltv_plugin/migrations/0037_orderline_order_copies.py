# OrderLineFact gets copies of its order's account, date and purchase flag (ingest/line_copies.py), and
# its SKU and product indexes lead to them, so "bought SKU X in a window" reads one index range
# instead of joining every order of X (bench/segments.py: 1.7 s at 1 M accounts).

from django.db import migrations, models

LINES, ORDERS = "saleor_ltv_plugin_orderlinefact", "saleor_ltv_plugin_orderfact"


STEP = 20_000  # orders per statement


def fill_copies(apps, schema_editor):
    # UPDATE … FROM: PostgreSQL, and SQLite from 3.33 on. By ranges of orders, after the SKU and
    # product indexes are gone: one statement over 8 M lines spilled its hash join into batches whose
    # rows reached the remaining indexes in random order (> 25 min, 100 GB written, and not done).
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f'SELECT MIN(id), MAX(id) FROM "{ORDERS}"')
        low, high = cursor.fetchone()
    if low is None:
        return
    for start in range(low, high + 1, STEP):
        schema_editor.execute(
            f'UPDATE "{LINES}" SET account_id = o.account_id, ordered_at = o.created_at, '
            f'counts_as_purchase = o.counts_as_purchase FROM "{ORDERS}" o WHERE o.id = "{LINES}".order_id '
            f'AND o.id >= {start} AND o.id < {start + STEP}')


class Migration(migrations.Migration):

    dependencies = [
        ('saleor_ltv_plugin', '0036_fact_index_upkeep'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='orderlinefact',
            name='ltv_orderline_product',
        ),
        migrations.RemoveIndex(
            model_name='orderlinefact',
            name='ltv_orderline_sku',
        ),
        migrations.AddField(
            model_name='orderlinefact',
            name='account_id',
            field=models.BigIntegerField(null=True, help_text="The order's account (a copy)."),
        ),
        migrations.AddField(
            model_name='orderlinefact',
            name='ordered_at',
            field=models.DateTimeField(null=True, help_text="The order's created_at (a copy)."),
        ),
        migrations.AddField(
            model_name='orderlinefact',
            name='counts_as_purchase',
            field=models.BooleanField(null=True, help_text="The order's counts_as_purchase (a copy)."),
        ),
        migrations.RunPython(fill_copies, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name='orderlinefact',
            name='account_id',
            field=models.BigIntegerField(help_text="The order's account (a copy)."),
        ),
        migrations.AlterField(
            model_name='orderlinefact',
            name='ordered_at',
            field=models.DateTimeField(help_text="The order's created_at (a copy)."),
        ),
        migrations.AlterField(
            model_name='orderlinefact',
            name='counts_as_purchase',
            field=models.BooleanField(help_text="The order's counts_as_purchase (a copy)."),
        ),
        migrations.AddIndex(
            model_name='orderlinefact',
            index=models.Index(fields=['product_id', 'ordered_at', 'account_id', 'counts_as_purchase', 'order'],
                               name='ltv_orderline_product_date'),
        ),
        migrations.AddIndex(
            model_name='orderlinefact',
            index=models.Index(fields=['sku', 'ordered_at', 'account_id', 'counts_as_purchase', 'order'],
                               name='ltv_orderline_sku_date'),
        ),
    ]
