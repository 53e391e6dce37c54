from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("saleor_ltv_plugin", "0025_sms_channel_and_calls")]

    operations = [
        migrations.AddIndex(
            model_name="orderlinefact",
            index=models.Index(fields=["product_id"], name="ltv_orderline_product"),
        ),
    ]
