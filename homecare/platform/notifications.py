"""Tell people something happened: an in-app notification each, and an e-mail through the job queue."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from homecare.platform import jobs
from homecare.platform.models import Notification


def send_notification_email(*, to: str, subject: str, body: str) -> int:
    return send_mail(subject=subject, message=body, from_email=None, recipient_list=[to])


def notify(*, recipients: Iterable, text: str, link: str = "") -> list[Notification]:
    """Create the notifications now; send e-mails once the surrounding transaction has committed."""
    now = timezone.now()
    users = list(recipients)
    created = Notification.objects.bulk_create(
        [Notification(recipient=user, text=text, link=link, created_at=now) for user in users]
    )
    for user in users:
        if user.email:
            transaction.on_commit(
                lambda email=user.email: jobs.enqueue(
                    send_notification_email,
                    to=email,
                    subject=f"OpenHomecare: {text}"[:150],
                    body=f"{text}\n\n{link}",
                )
            )
    return created


def unread_for(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
