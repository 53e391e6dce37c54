"""`saleor-ltv` command: Django's manage.py for standalone mode."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = list(argv if argv is not None else sys.argv[1:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saleor_ltv_plugin.standalone.settings")
    if args[:1] == ["ltv_demo"]:
        os.environ.setdefault("LTV_DEMO", "1")  # the demo may make its own SECRET_KEY
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["saleor-ltv", *args])
    except ImproperlyConfigured as exc:
        sys.exit(f"saleor-ltv: {exc}")


if __name__ == "__main__":
    main()
