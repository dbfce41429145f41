"""The providers app's models, by topic: geography (zones), the framework (lots, admissions, rate
cards), the market (profiles, CQC ratings, declarations, capacity, suspensions), subcontracting (lead
providers and their subcontractors) and the living-wage floor (floors and lowest-pay attestations)."""

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
from .living_wage import LivingWageFloor, LowestPayAttestation
from .market import (
    ETHICAL_STANDARDS,
    CapacityDeclaration,
    CqcRating,
    EthicalEmploymentDeclaration,
    ProviderProfile,
    Suspension,
)
from .subcontracting import (
    LIVE_SUBCONTRACTING,
    LeadProviderAppointment,
    Subcontracting,
    SubcontractingStatus,
    SubcontractingStatusChange,
)

__all__ = [
    "BARRABLE_RATINGS",
    "ETHICAL_STANDARDS",
    "LIVE_SUBCONTRACTING",
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
    "LeadProviderAppointment",
    "LivingWageFloor",
    "Lot",
    "LowestPayAttestation",
    "ProviderProfile",
    "RateCard",
    "Rating",
    "Service",
    "Subcontracting",
    "SubcontractingStatus",
    "SubcontractingStatusChange",
    "Suspension",
    "Zone",
]
