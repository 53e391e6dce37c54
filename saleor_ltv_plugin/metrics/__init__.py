"""The layer between the plugin's tables and the pure engine: load, compute, store."""
