from django.db.models import QuerySet

from homecare.accounts.models import Organisation
from homecare.providers.models import Zone


def zones_for_council(*, council: Organisation) -> QuerySet[Zone]:
    return Zone.objects.filter(council=council).order_by("name")
