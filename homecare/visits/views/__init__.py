"""Visit pages, split by who uses them: boards.py (provider and council staff), imports.py (a provider's
own call-monitoring data), mobile.py (the care worker's installable app), subcontracting.py (a lead
provider giving visits to its subcontractors)."""
