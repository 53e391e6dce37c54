"""Integration API keys: create (the raw key is printed once), list, revoke."""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone

from ... import db
from ...auth import ALL_SCOPES, new_api_key
from ...models import ApiKey


class Command(BaseCommand):
    help = "Manage the REST/GraphQL API keys of integrations (hashed at rest, scoped, revocable)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a key and print it once.")
        create.add_argument("--name", required=True)
        create.add_argument("--scopes", required=True, help="Comma-separated: " + ", ".join(sorted(ALL_SCOPES)))
        sub.add_parser("list", help="List keys (never the keys themselves).")
        revoke = sub.add_parser("revoke", help="Revoke a key by id or prefix.")
        revoke.add_argument("key", help="The id, or the prefix shown by `list`.")

    def handle(self, *args, action, **options):
        with db.writer():
            getattr(self, f"_{action}")(**options)

    def _create(self, name, scopes, **_):
        try:
            raw, key = new_api_key(name, [s.strip() for s in scopes.split(",") if s.strip()], created_by="cli")
        except ValueError as exc:
            field = "--scopes" if "scope" in str(exc) else "--name"
            raise CommandError(f"{field}: {exc}") from None
        self.stdout.write(f"created key {key.pk} ({key.name}, scopes {', '.join(key.scopes)}); store it now, "
                          "it is not shown again:")
        self.stdout.write(raw)

    def _list(self, **_):
        for key in ApiKey.objects.order_by("created_at"):
            state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
            used = f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "never"
            self.stdout.write(f"{key.pk}\t{key.prefix}…\t{key.name}\t{','.join(key.scopes)}\t"
                              f"created {key.created_at:%Y-%m-%d}\tused {used}\t{state}")

    def _revoke(self, key, **_):
        match = Q(prefix=key) | (Q(pk=int(key)) if key.isdigit() else Q(pk__in=[]))
        found = list(ApiKey.objects.filter(match))
        if len(found) != 1:
            raise CommandError(f"key: {'no key' if not found else 'several keys'} match {key!r}")
        found[0].revoked_at = found[0].revoked_at or timezone.now()
        found[0].save(update_fields=["revoked_at"])
        self.stdout.write(f"revoked key {found[0].pk} ({found[0].name})")
