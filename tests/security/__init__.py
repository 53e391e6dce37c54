"""The hostile suite (issue 15): one module per class of attack, each with several payloads."""
