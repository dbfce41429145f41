"""Variation models (see models.py): filled in by the variations work."""
