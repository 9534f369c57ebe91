"""The pure domain: records, clinical rules, plans, scores and figures.

No terminal, no storage, no clock: every function takes the date and the data it needs.
"""
