"""Register the Dashboard app in-process (for agencies that script installs)."""

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = ("Install the plugin's Dashboard app into this Saleor from its manifest URL, as the appInstall "
            "mutation does. The Saleor server must be reachable at --url.")

    def add_arguments(self, parser):
        parser.add_argument("--url", required=True, help="Where this Saleor is served, e.g. https://shop.example.com")

    def handle(self, *args, url, **options):
        if not url.startswith(("http://", "https://")):
            raise CommandError("--url: must start with http:// or https://")
        try:
            from ...hosts.saleor_plugin.install_app import install_dashboard_app
        except ImportError:
            raise CommandError("this command runs inside Saleor (saleor is not importable here)") from None
        ok, message = install_dashboard_app(url)
        if not ok:
            raise CommandError(f"installation failed: {message}")
        self.stdout.write(message)
