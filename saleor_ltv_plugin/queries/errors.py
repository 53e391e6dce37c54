"""One error type for bad input, keyed by field, that both APIs turn into a 4xx."""

from __future__ import annotations


class InputError(ValueError):
    """``errors`` maps a field path (``filter.stages``) to its reason; ``ja`` holds the same
    reasons in Japanese where a Japanese user reads them (the filter language's)."""

    def __init__(self, errors: dict[str, str], code: str = "invalid", ja: dict[str, str] | None = None):
        self.errors = errors
        self.code = code
        self.ja = ja or {}
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))

    def prefixed(self, prefix: str) -> "InputError":
        """The same errors under `prefix` (a mutation's `input.`)."""
        return InputError({prefix + k: v for k, v in self.errors.items()}, self.code,
                          {prefix + k: v for k, v in self.ja.items()})
