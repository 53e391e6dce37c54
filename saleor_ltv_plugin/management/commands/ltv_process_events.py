from django.core.management.base import BaseCommand

from ... import db
from ...ingest import checkouts, inbox


class Command(BaseCommand):
    help = "Apply pending inbound events now (what the Celery beat task does every 10 s)."

    def handle(self, *args, **options):
        with db.writer():
            counts = inbox.drain()
            abandoned = checkouts.mark_abandoned_checkouts()
        self.stdout.write(
            f"applied {counts['done']}, failed {counts['failed']}, gave up {counts['dead']}; "
            f"{abandoned} checkouts marked abandoned"
        )
