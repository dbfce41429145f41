"""Finance pages: payments.py (runs, statements, holds, disputes, exports), fee_setting.py (uplift and cost
of care)."""
