from django.core.management.base import BaseCommand, CommandError

from ... import db
from ...metrics.recompute import channels, recompute
from ._progress import progress_bar


class Command(BaseCommand):
    help = "Recompute every account's metrics (RFM, CPM, stage, rhythm, P(alive), CLV) and today's snapshot."

    def add_arguments(self, parser):
        parser.add_argument("--channel", help="Only this channel (slug).")

    def handle(self, *args, channel=None, **options):
        if channel and channel not in channels():
            raise CommandError(f"--channel: no accounts in channel {channel!r}")
        with progress_bar(1.0, "", "recompute") as bar, db.writer():
            last = {"done": 0.0}

            def advance(fraction, name):
                bar.update(fraction - last["done"])
                last["done"] = fraction

            run = recompute(channel, progress=advance)
        for name, state in run.details.get("channels", {}).items():
            model = state["report"]["prediction_model"]
            fit = f" ({model['fit_reason']})" if model.get("fit_reason") else ""
            self.stdout.write(
                f"{name}: {state['accounts']} accounts as of {state['as_of']}; "
                f"{model['label']} {model['status']}{fit}, chosen: {model['reason']}; "
                f"seconds {state['seconds']}"
            )
