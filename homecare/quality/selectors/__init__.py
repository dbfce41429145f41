"""Scoped quality reads, by topic: complaints, safeguarding (ADR 0008) and provider quality. Import the
topic module (`from homecare.quality.selectors import complaints`)."""
