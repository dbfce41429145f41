"""Jobs: thin wrappers around records services (arguments are ids, never model instances)."""

from homecare.records import services
from homecare.records.models import DisposalProposal


def propose_disposals() -> int:
    """Scheduled (e.g. monthly): list each council's people past retention for a decision."""
    return len(services.disposals_propose_all())


def carry_out_disposal(proposal_id: int) -> None:
    """Started when an administrator approves a proposal."""
    services.disposal_carry_out(proposal=DisposalProposal.objects.get(pk=proposal_id))
