"""Small frames for engine tests."""

import pandas as pd


def orders(*rows, currency="JPY") -> pd.DataFrame:
    """Orders frame from (account_id, 'YYYY-MM-DD', amount[, currency]) tuples."""
    records = [
        {"account_id": r[0], "created_at": pd.Timestamp(r[1]), "amount": r[2],
         "currency": r[3] if len(r) > 3 else currency}
        for r in rows
    ]
    frame = pd.DataFrame(records, columns=["account_id", "created_at", "amount", "currency"])
    return frame
