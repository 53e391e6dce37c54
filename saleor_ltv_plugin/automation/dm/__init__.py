"""Postal DM: a DM step's letters batched into print jobs (jobs.py), laid out for a mailing
house's CSV (layout.py) and printed as address labels and letters (pdf.py, fonts.py)."""
