"""Write the REST API's OpenAPI document to the committed file (tests fail when they differ)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand

OPENAPI_PATH = Path(__file__).resolve().parents[2] / "api" / "openapi.json"


def current_document() -> str:
    from saleor_ltv_plugin.api import openapi_document

    return json.dumps(openapi_document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class Command(BaseCommand):
    help = "Export the REST API's OpenAPI document to saleor_ltv_plugin/api/openapi.json."

    def handle(self, *args, **options):
        OPENAPI_PATH.write_text(current_document(), encoding="utf-8")
        self.stdout.write(f"wrote {OPENAPI_PATH}")
