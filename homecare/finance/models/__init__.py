"""Finance: payment runs and statements (payments.py), fee setting (fee_setting.py)."""

from .payments import (
    Adjustment,
    Dispute,
    DisputeStatus,
    HoldDecision,
    HoldResolution,
    LineKind,
    PaymentRun,
    RunStatus,
    Statement,
    StatementLine,
)

__all__ = [
    "Adjustment",
    "Dispute",
    "DisputeStatus",
    "HoldDecision",
    "HoldResolution",
    "LineKind",
    "PaymentRun",
    "RunStatus",
    "Statement",
    "StatementLine",
]
