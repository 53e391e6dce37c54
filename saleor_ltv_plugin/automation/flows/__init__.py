"""Flows: shop-authored automations (trigger, entry filter, steps, exit conditions), versioned.

`definition` is the document a flow version stores and how it is checked; the ready
scenarios are templates in this same format (`templates`).
"""
