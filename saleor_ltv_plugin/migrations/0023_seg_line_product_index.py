from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("saleor_ltv_plugin", "0022_scenarios_become_flows")]

    operations = [
        migrations.AddIndex(
            model_name="orderlinefact",
            index=models.Index(fields=["product_id"], name="ltv_orderline_product"),
        ),
    ]
