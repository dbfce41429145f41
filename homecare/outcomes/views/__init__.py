"""Thin outcome-based homecare views, by topic: budgets of hours (budgets.py), outcome reviews and
feedback (feedback.py), equality of allocations, equality monitoring and equipment (fairness.py)."""
