"""One error type for bad input, keyed by field, that both APIs turn into a 4xx."""

from __future__ import annotations


class InputError(ValueError):
    """``errors`` maps a field path (``filter.stages``) to (reason, code)."""

    def __init__(self, errors: dict[str, str], code: str = "invalid"):
        self.errors = errors
        self.code = code
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
