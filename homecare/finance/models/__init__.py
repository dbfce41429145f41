"""Finance: payment runs and statements (payments.py), fee setting (fee_setting.py), direct payments
(direct_payments.py)."""

from .direct_payments import DirectPaymentAccount, DirectPaymentTransaction, TransactionKind
from .fee_setting import (
    AgreedRate,
    CostOfCareModel,
    ReferencePrice,
    UpliftBand,
    UpliftScenario,
    UpliftStatus,
    WageFloor,
)
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
    "DirectPaymentAccount",
    "DirectPaymentTransaction",
    "TransactionKind",
    "AgreedRate",
    "CostOfCareModel",
    "ReferencePrice",
    "UpliftBand",
    "UpliftScenario",
    "UpliftStatus",
    "WageFloor",
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
