"""The providers app's models, by topic: geography (zones), the framework (lots, admissions, rate
cards) and the market (profiles, CQC ratings, declarations, capacity, suspensions)."""

from homecare.platform.append_only import AppendOnly, AppendOnlyError

from .framework import (
    BARRABLE_RATINGS,
    Admission,
    AdmissionDecision,
    Framework,
    FrameworkStatus,
    FrameworkStatusChange,
    Lot,
    RateCard,
    Rating,
    Service,
)
from .geography import AreaType, Zone
from .market import (
    ETHICAL_STANDARDS,
    CapacityDeclaration,
    CqcRating,
    EthicalEmploymentDeclaration,
    ProviderProfile,
    Suspension,
)

__all__ = [
    "BARRABLE_RATINGS",
    "ETHICAL_STANDARDS",
    "Admission",
    "AdmissionDecision",
    "AppendOnly",
    "AppendOnlyError",
    "AreaType",
    "CapacityDeclaration",
    "CqcRating",
    "EthicalEmploymentDeclaration",
    "Framework",
    "FrameworkStatus",
    "FrameworkStatusChange",
    "Lot",
    "ProviderProfile",
    "RateCard",
    "Rating",
    "Service",
    "Suspension",
    "Zone",
]
