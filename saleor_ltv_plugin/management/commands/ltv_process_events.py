from django.core.management.base import BaseCommand

from ... import db
from ...automation import line_invites
from ...ingest import checkouts, inbox


class Command(BaseCommand):
    help = ("Apply pending inbound events now and re-send the due LINE link invitations (what Celery beat does; "
            "run it from cron where no broker is set and nothing periodic runs).")

    def handle(self, *args, **options):
        with db.writer():
            counts = inbox.drain()
            abandoned = checkouts.mark_abandoned_checkouts()
            invitations = line_invites.sweep()
        self.stdout.write(
            f"applied {counts['done']}, failed {counts['failed']}, gave up {counts['dead']}; "
            f"{abandoned} checkouts marked abandoned; LINE invitations re-sent: {invitations.get('sent', 0)}, "
            f"still pending {invitations.get('retry', 0)}, given up {invitations.get('gave_up', 0)}"
        )
