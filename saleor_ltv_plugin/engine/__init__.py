"""The pure metrics engine: pandas/numpy/scipy in, DataFrames and small frozen models out.

No Django, Saleor or Celery here (tests/engine/test_layering.py enforces it).
Typical recompute, per channel:

    summary = summarize_orders(orders, as_of, merge_same_day=..., tz=...)   # summary.py
    scores  = rfm_scores(summary)                                          # rfm.py
    cells   = cpm_cells(summary, bounds)                                   # cpm.py
    stages  = lifecycle_stages(summary, thresholds, registered_ids)        # lifecycle.py
    rhythm  = purchase_rhythm(summary)                                     # cycle.py
    reorder = replenishment(lines, as_of)                                  # cycle.py
    inputs  = bgnbd_inputs(summary, unit="days")                           # summary.py
    bg      = fit_bgnbd(inputs.frequency, inputs.recency, inputs["T"])     # bgnbd.py
    gg      = fit_gamma_gamma(inputs.frequency, inputs.monetary_value)     # gamma_gamma.py

Units: days are whole shop-local calendar days; money is in each row's currency.
"""
