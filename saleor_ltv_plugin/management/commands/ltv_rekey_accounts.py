from django.core.management.base import BaseCommand

from ... import db
from ...ingest.rekey import rekey_accounts
from ...models import OrderFact
from ._progress import progress_bar


class Command(BaseCommand):
    help = "Re-assign stored orders to accounts after the account key rule changed."

    def add_arguments(self, parser):
        parser.add_argument("--channel", help="Only this channel (slug).")

    def handle(self, *args, channel=None, **options):
        total = OrderFact.objects.filter(**({"channel": channel} if channel else {})).count()
        with progress_bar(total, "orders", "re-keying") as bar, db.writer():
            result = rekey_accounts(channel, progress=bar.update)
        self.stdout.write(
            f"moved {result['moved']} orders; removed {result['removed_accounts']} empty accounts"
        )
