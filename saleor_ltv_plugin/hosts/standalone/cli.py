"""`saleor-ltv` command: Django's manage.py for standalone mode, and the App host's processes."""

import os
import secrets
import sys

from django.core.exceptions import ImproperlyConfigured

# Commands that sign nothing (they write files from the code) need no secret of the operator's.
SIGNS_NOTHING = {"ltv_export_schema", "ltv_export_openapi", "makemigrations", "help", "--help", "version"}


APP_SETTINGS = "saleor_ltv_plugin.hosts.saleor_app.settings"
STANDALONE_SETTINGS = "saleor_ltv_plugin.hosts.standalone.settings"
# The production processes: the App host's (README: "As a Saleor App"), or with LTV_HOST=standalone
# the standalone server's (README: "Standalone in production").
APP_COMMANDS = {"serve", "worker", "beat"}


def _run_app(command: str, args: list[str]) -> None:
    """serve: migrate, then uvicorn (WEB_CONCURRENCY processes); worker and beat: Celery's own."""
    standalone = os.environ.get("LTV_HOST") == "standalone"
    host = "standalone" if standalone else "saleor_app"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", STANDALONE_SETTINGS if standalone else APP_SETTINGS)
    if command == "serve":
        import argparse

        parser = argparse.ArgumentParser(prog="saleor-ltv serve")
        parser.add_argument("--host", default=os.environ.get("HOST", "0.0.0.0"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
        parser.add_argument("--no-migrate", action="store_true")
        options = parser.parse_args(args)
        import importlib.util

        if importlib.util.find_spec("uvicorn") is None:  # not in the base install
            sys.exit("saleor-ltv serve needs uvicorn: pip install 'saleor-ltv-plugin[app]'")
        if not options.no_migrate:
            from django.core.management import execute_from_command_line

            try:
                execute_from_command_line(["saleor-ltv", "migrate" if standalone else "ltv_migrate_shops"])
            except ImproperlyConfigured as exc:
                sys.exit(f"saleor-ltv: {exc}")
        os.execvp(sys.executable, [sys.executable, "-m", "uvicorn", f"saleor_ltv_plugin.hosts.{host}.asgi:application",
                                   "--host", options.host, "--port", str(options.port), "--workers", str(options.workers),
                                   "--proxy-headers", "--no-server-header"])
    if command == "worker" and not standalone and not any(arg == "-Q" or arg.startswith(("-Q", "--queues")) for arg in args):
        args = [*args, "-Q", "celery,ltv-nightly"]  # settings.NIGHTLY_QUEUE: one worker runs everything
    os.execvp(sys.executable, [sys.executable, "-m", "celery", "-A", f"saleor_ltv_plugin.hosts.{host}.celery",
                               command, *args])


def main(argv: list[str] | None = None) -> None:
    args = list(argv if argv is not None else sys.argv[1:])
    if args[:1] == ["createstaff"]:  # the short name for a standalone staff user
        args = ["ltv_staff", "create", *args[1:]]
    if args[:1] and args[0] in APP_COMMANDS:
        _run_app(args[0], args[1:])
    # LTV_HOST=saleor_app: every other command (ltv_shop, ltv_migrate_shops …) in the App host's settings.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", APP_SETTINGS if os.environ.get("LTV_HOST") == "saleor_app"
                          else STANDALONE_SETTINGS)
    if args[:1] == ["ltv_demo"]:
        os.environ.setdefault("LTV_DEMO", "1")  # the demo may make its own SECRET_KEY
    elif not args or args[0] in SIGNS_NOTHING:
        os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["saleor-ltv", *args])
    except ImproperlyConfigured as exc:
        sys.exit(f"saleor-ltv: {exc}")


if __name__ == "__main__":
    main()
