"""Platform models: only what every domain shares and none owns."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from homecare.platform.append_only import AppendOnly


class Notification(models.Model):
    """An in-app message for one user (an e-mail copy goes through the job queue)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    text = models.CharField(max_length=300)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.text


class AuditEntry(AppendOnly):
    """One link of the tamper-evident audit chain (homecare/platform/audit_log.py; ADR 0009).

    Written once, never changed: `hash` is an HMAC over this entry's fields and the previous entry's
    hash, so editing, deleting, reordering or inserting an entry behind the application's back breaks the
    chain at that entry. Who acted is copied in (ids and names, no foreign keys): the log must outlive
    the users and organisations it mentions, and a deletion must never cascade into it. The payload holds
    references and field names, not personal data values, because the log is kept longer than the care
    records it describes and cannot be edited when they are disposed of.
    """

    seq = models.BigIntegerField("sequence number", unique=True)
    at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_name = models.CharField(max_length=200, blank=True)
    organisation_id = models.BigIntegerField(null=True, blank=True)
    organisation_name = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=64)
    record_type = models.CharField(max_length=100, blank=True)
    record_id = models.CharField(max_length=64, blank=True)
    summary = models.CharField(max_length=500, blank=True)
    reason = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["record_type", "record_id"], name="audit_entry_record")]

    def __str__(self) -> str:
        return f"{self.seq} {self.action} {self.record_type} {self.record_id}".strip()


class AuditChainHead(models.Model):
    """The one row that says where the chain ends (sequence number and hash of the last entry).

    Appends lock this row (SELECT … FOR UPDATE on PostgreSQL; SQLite's write lock does the same), so
    concurrent writers queue for the next sequence number instead of forking the chain. It also lets
    `verify_audit` notice entries cut from the end of the chain.
    """

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"Audit chain head at {self.seq}"
