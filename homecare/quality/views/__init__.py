"""Thin quality views, by topic: complaints, safeguarding, audits and provider quality; `home` lists what
the user may open, with the numbers that need attention."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from homecare.accounts import permissions
from homecare.quality.selectors import complaints as complaint_selectors
from homecare.quality.selectors import safeguarding as safeguarding_selectors


@login_required
def home(request):
    user = request.user
    permissions.require(permissions.sees_quality(user) or permissions.raises_safeguarding_concerns(user))
    org = user.organisation
    return render(
        request,
        "quality/home.html",
        {
            "complaints": complaint_selectors.counts(user=user)
            if permissions.sees_complaints(user)
            else None,
            "safeguarding": safeguarding_selectors.counts(user=user)
            if permissions.sees_safeguarding(user)
            else None,
            "raises": permissions.raises_safeguarding_concerns(user),
            "lead": permissions.leads_safeguarding(user),
            "designates": permissions.designates_safeguarding_managers(user),
            "council": org is not None and org.is_council,
            "provider": org
            if org is not None and org.is_provider and permissions.sees_providers(user)
            else None,
            "manages_quality": permissions.manages_provider_quality(user),
        },
    )
