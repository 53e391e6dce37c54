"""The `saleor.plugins` entry point's module (pyproject.toml): Saleor imports LTVPlugin from here
and autodiscovers `<this module's package>.tasks`, so it stays at the package root. The plugin
itself is the Saleor plugin host's (hosts/saleor_plugin/)."""

from . import __version__
from .hosts.saleor_plugin.plugin import LTVPlugin

__all__ = ["LTVPlugin", "__version__"]
