"""Write the GraphQL schema's SDL to the committed file (tests fail when they differ)."""

from pathlib import Path

from django.core.management.base import BaseCommand

SDL_PATH = Path(__file__).resolve().parents[2] / "graphql" / "schema.graphql"


def current_sdl() -> str:
    from saleor_ltv_plugin.graphql.schema import schema

    return str(schema).strip() + "\n"


class Command(BaseCommand):
    help = "Export the plugin's GraphQL schema to saleor_ltv_plugin/graphql/schema.graphql."

    def handle(self, *args, **options):
        SDL_PATH.write_text(current_sdl(), encoding="utf-8")
        self.stdout.write(f"wrote {SDL_PATH}")
