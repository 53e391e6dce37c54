"""The setup checklist in the terminal: each item, what was found, and what to do."""

import json as jsonlib

from django.conf import settings
from django.core.management.base import BaseCommand

from ...setup_check import FAIL, checklist

MARK = {"ok": "✔", "warn": "!", "fail": "✘"}


class Command(BaseCommand):
    help = "Check the setup (sender, public URL, consent, SMTP, Celery, recompute, host); non-zero when any fails."

    def add_arguments(self, parser):
        parser.add_argument("--channel", default="default-channel")
        parser.add_argument("--language", choices=("ja", "en"),
                            default=getattr(settings, "LTV_PLUGIN", {}).get("default_language", "ja"))
        parser.add_argument("--send-test-to", default="", help="also send a test mail to this address")
        parser.add_argument("--json", action="store_true", help="one JSON object, both languages")

    def handle(self, *args, channel, language, send_test_to, json: bool = False, **options):
        items = checklist(channel, send_test_to)
        if json:
            self.stdout.write(_dumps([item.__dict__ for item in items]))
        else:
            for item in items:
                self.stdout.write(f"{MARK[item.status]} {item.key:<10} {item.detail[language]}")
                if item.action[language]:
                    self.stdout.write(f"  → {item.action[language]}")
        if any(item.status == FAIL for item in items):
            raise SystemExit(1)


def _dumps(value) -> str:
    return jsonlib.dumps(value, ensure_ascii=False)
