"""Saleor's rules that every Saleor host shares (in-process plugin now, an external App later).

Nothing here imports Saleor: an App runs without Saleor installed and reads the same facts from
webhook payloads and GraphQL that the plugin reads from Saleor's ORM.
"""
