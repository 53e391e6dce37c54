"""`saleor-ltv` command: Django's manage.py for standalone mode."""

import os
import secrets
import sys

# Commands that sign nothing (they write files from the code) need no secret of the operator's.
SIGNS_NOTHING = {"ltv_export_schema", "ltv_export_openapi", "makemigrations", "help", "--help", "version"}


def main(argv: list[str] | None = None) -> None:
    args = list(argv if argv is not None else sys.argv[1:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saleor_ltv_plugin.hosts.standalone.settings")
    if args[:1] == ["ltv_demo"]:
        os.environ.setdefault("LTV_DEMO", "1")  # the demo may make its own SECRET_KEY
    elif not args or args[0] in SIGNS_NOTHING:
        os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["saleor-ltv", *args])
    except ImproperlyConfigured as exc:
        sys.exit(f"saleor-ltv: {exc}")


if __name__ == "__main__":
    main()
