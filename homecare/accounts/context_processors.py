"""Navigation for the layout, from the user's role (never per-role copies of templates)."""

from django.urls import reverse

from homecare.accounts.permissions import sees_people


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [("Home", reverse("accounts:dashboard"))]
    if sees_people(user):
        items.append(("People", reverse("people:search")))
    current = request.path
    return {
        "nav_items": [
            {
                "label": label,
                "href": href,
                "active": href == current or (href != "/" and current.startswith(href)),
            }
            for label, href in items
        ]
    }
