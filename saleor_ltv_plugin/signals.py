"""In-process signals between layers (ingest → metrics)."""

from django.dispatch import Signal

# Sent after orders were inserted or changed; kwargs: account_ids (set[int]).
orders_changed = Signal()
# Sent after registered contacts were linked to accounts as prospects; kwargs: account_ids (set[int]).
prospects_changed = Signal()
