"""`saleor-ltv` command: Django's manage.py for standalone mode."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saleor_ltv_plugin.standalone.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["saleor-ltv", *(argv if argv is not None else sys.argv[1:])])


if __name__ == "__main__":
    main()
