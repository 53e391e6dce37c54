"""Staff users of the standalone server: create, list, set scopes, disable (hosts/standalone/staff.py)."""

import getpass
import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from ...auth import ALL_SCOPES
from ...hosts.standalone import staff

PASSWORD_ENV = "LTV_STAFF_PASSWORD"


class Command(BaseCommand):
    help = ("Staff users who sign in to the standalone Dashboard pages at /login/, each with the API keys' "
            "scopes. --by USER: act as that staff user, who may grant only the scopes they hold.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        scopes_help = "Comma-separated: " + ", ".join(sorted(ALL_SCOPES)) + " (or 'all')"
        create = sub.add_parser("create", help=f"Create a staff user (password from {PASSWORD_ENV} or a prompt).")
        create.add_argument("--email", required=True)
        create.add_argument("--scopes", required=True, help=scopes_help)
        create.add_argument("--by", default="", help="the staff user granting (their scopes bound the grant)")
        grant = sub.add_parser("scopes", help="Set a staff user's scopes.")
        grant.add_argument("email")
        grant.add_argument("--scopes", required=True, help=scopes_help)
        grant.add_argument("--by", default="")
        sub.add_parser("list", help="List staff users and their scopes.")
        disable = sub.add_parser("disable", help="Stop a staff user signing in (their sessions end at once).")
        disable.add_argument("email")

    def handle(self, *args, action, **options):
        {"create": self._create, "scopes": self._scopes_action, "list": self._list,
         "disable": self._disable}[action](**options)

    @staticmethod
    def _parse_scopes(text: str) -> list[str]:
        return sorted(ALL_SCOPES) if text.strip() == "all" else [s.strip() for s in text.split(",") if s.strip()]

    @staticmethod
    def _by(email: str):
        if not email:
            return None  # the operator at the server's shell
        user = get_user_model().objects.filter(username=email.strip().lower()).first()
        if user is None or not staff.scopes_of(user):
            raise CommandError(f"--by: no active staff user {email!r}")
        return staff.principal_of(user)

    @staticmethod
    def _user(email: str):
        user = get_user_model().objects.filter(username=email.strip().lower()).first()
        if user is None:
            raise CommandError(f"email: no staff user {email!r}")
        return user

    def _create(self, email, scopes, by, **_):
        password = os.environ.get(PASSWORD_ENV) or ""
        if not password:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("password: the two entries differ")
        try:
            user = staff.create(email, password, self._parse_scopes(scopes), by=self._by(by))
        except staff.StaffError as exc:
            raise CommandError(f"--{exc.field}: {exc}") from None
        self.stdout.write(f"created staff user {user.get_username()} with scopes "
                          f"{', '.join(sorted(staff.scopes_of(user)))}; sign in at /login/")

    def _scopes_action(self, email, scopes, by, **_):
        user = self._user(email)
        try:
            held = staff.set_scopes(user, self._parse_scopes(scopes), by=self._by(by))
        except staff.StaffError as exc:
            raise CommandError(f"--{exc.field}: {exc}") from None
        self.stdout.write(f"{user.get_username()}: scopes {', '.join(held) or '(none)'}")

    def _list(self, **_):
        for user in get_user_model().objects.filter(is_staff=True).order_by("username"):
            state = "active" if user.is_active else "disabled"
            self.stdout.write(f"{user.get_username()}\t{','.join(sorted(staff.scopes_of(user))) or '-'}\t{state}")

    def _disable(self, email, **_):
        user = self._user(email)
        ended = staff.set_active(user, False)
        self.stdout.write(f"disabled {user.get_username()}; ended {ended} session(s)")

