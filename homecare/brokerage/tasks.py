"""Jobs: thin wrappers around brokerage services."""

from homecare.brokerage import services


def expire_offer_rounds() -> int:
    return services.rounds_expire_due()
