"""Jobs for accounts. Thin: they call Django's mail API and nothing else."""

from django.core.mail import EmailMultiAlternatives


def send_email(*, subject: str, body: str, to: list[str], from_email: str | None = None) -> int:
    return EmailMultiAlternatives(subject=subject, body=body, to=to, from_email=from_email).send()
