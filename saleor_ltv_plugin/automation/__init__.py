"""Ready retention scenarios: triggers, the outbox, delivery channels, alerts and reports."""
