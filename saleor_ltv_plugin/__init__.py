"""saleor-ltv-plugin: a retention CRM for shops on Saleor (and off it, in standalone mode)."""

__version__ = "0.1.0"
