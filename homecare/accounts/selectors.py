from django.db.models import QuerySet

from homecare.accounts.models import Organisation, OrganisationType, User


def provider_organisations(*, user: User) -> QuerySet[Organisation]:
    """Providers a council user can choose from. (The framework issue narrows this to admitted ones.)"""
    if not user.organisation or not user.organisation.is_council:
        return Organisation.objects.none()
    return Organisation.objects.filter(type=OrganisationType.PROVIDER).order_by("name")
