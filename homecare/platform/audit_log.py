"""The tamper-evident audit log: an append-only chain of entries, each sealed with a keyed hash.

Every entry's `hash` is HMAC-SHA256, under `settings.AUDIT_HMAC_KEY`, of the canonical JSON of the entry
(sequence number, time, who, what, which record, summary, reason, payload) and the previous entry's hash.
Anyone with database access but not the key can't edit, delete, reorder or insert an entry without
breaking the chain at that point, and `verify_chain` (the `verify_audit` command) finds the first break.

Entries are written:
- for every row django-simple-history records (the `post_create_historical_record` signal, connected in
  PlatformConfig.ready): person, plan, package, framework … changes, with the changed field names;
- for sign-in, sign-out and failed sign-in (django's auth signals);
- by services through `audit_record(...)` (a payment run, an import, a subject access export, a disposal).

Appends run in the caller's transaction, so an entry commits or rolls back with the change it records.
They take the chain head row's lock (PostgreSQL: SELECT … FOR UPDATE; SQLite: the database write lock
that the IMMEDIATE transaction already holds), which serialises writers for the few milliseconds until
their transaction ends: cheap at the volume audited (record changes and sign-ins, not call events or
statement lines, which are append-only evidence of their own).

What goes in: references (record type and id), field names, counts; never personal data values. The log
is kept longer than the care records and can't be edited when they are disposed of (ADR 0009).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, models, transaction
from django.utils import timezone

from homecare.platform.models import AuditChainHead, AuditEntry

HEAD_ID = 1
# The fields the hash covers, in the canonical document (with "v" for the format and the previous hash).
SEALED_FIELDS = (
    "seq",
    "at",
    "actor_id",
    "actor_name",
    "organisation_id",
    "organisation_name",
    "action",
    "record_type",
    "record_id",
    "summary",
    "reason",
    "payload",
)
FORMAT_VERSION = 1
_KEY_DERIVATION_LABEL = b"openhomecare audit chain v1"
SYSTEM = "System"


# --- the seal ---------------------------------------------------------------------------------------


def audit_key() -> bytes:
    """The HMAC key: AUDIT_HMAC_KEY, or (development and tests) one derived from SECRET_KEY.

    Production settings refuse to start without AUDIT_HMAC_KEY, so rotating SECRET_KEY there never
    invalidates the chain.
    """
    configured = getattr(settings, "AUDIT_HMAC_KEY", "")
    if configured:
        return configured.encode()
    if not settings.SECRET_KEY:
        raise ImproperlyConfigured("Set AUDIT_HMAC_KEY (or SECRET_KEY) to write or verify the audit log")
    return hmac.new(settings.SECRET_KEY.encode(), _KEY_DERIVATION_LABEL, hashlib.sha256).digest()


def _utc_text(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def canonical(fields: Mapping[str, Any], prev_hash: str) -> bytes:
    """The exact bytes that are sealed: sorted keys, no spaces, UTF-8, times in UTC to the microsecond."""
    document = {name: fields[name] for name in SEALED_FIELDS}
    document["at"] = _utc_text(fields["at"])
    document["prev_hash"] = prev_hash
    document["v"] = FORMAT_VERSION
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def seal(fields: Mapping[str, Any], prev_hash: str, *, key: bytes | None = None) -> str:
    return hmac.new(key or audit_key(), canonical(fields, prev_hash), hashlib.sha256).hexdigest()


def _without_nul(value):
    """PostgreSQL can't store NUL characters in text or jsonb: drop them everywhere, before sealing."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    return value


def _plain_json(payload: Mapping[str, Any] | None) -> dict:
    """The payload as it will read back from either database, so the seal made now is the seal
    recomputed later: decimals, dates and floats become text (PostgreSQL's jsonb would rewrite 1e16 as
    an integer and -0.0 as 0) and NUL characters are dropped."""
    text = json.dumps(payload or {}, cls=DjangoJSONEncoder, allow_nan=False)
    return _without_nul(json.loads(text, parse_float=str))


# --- writing ----------------------------------------------------------------------------------------


def _actor_fields(actor) -> dict[str, Any]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {"actor_id": None, "actor_name": SYSTEM, "organisation_id": None, "organisation_name": ""}
    organisation = getattr(actor, "organisation", None)
    return {
        "actor_id": actor.pk,
        "actor_name": ((actor.get_full_name() or actor.get_username()) or "")[:200],
        "organisation_id": getattr(organisation, "pk", None),
        "organisation_name": (str(organisation) if organisation is not None else "")[:200],
    }


# The chain head is read and moved with two plain statements: this runs inside every audited write, and
# building ORM queries costs more than the database does here. Table names come from model meta.
def _head_sql(using: str) -> tuple[str, str]:
    conn = connections[using]
    table = conn.ops.quote_name(AuditChainHead._meta.db_table)
    # PostgreSQL: the row lock queues concurrent writers. SQLite has no FOR UPDATE and needs none: its
    # IMMEDIATE transactions take the database write lock before the read.
    lock = " FOR UPDATE" if conn.features.has_select_for_update else ""
    return (
        f"SELECT seq, hash FROM {table} WHERE id = %s{lock}",  # noqa: S608 # nosec B608
        f"UPDATE {table} SET seq = %s, hash = %s WHERE id = %s",  # noqa: S608 # nosec B608
    )


def _locked_head(using: str) -> tuple[int, str]:
    """(sequence number, hash) at the end of the chain, locked until the caller's transaction ends.
    The head row is created on first use (or after a test flush) from the last entry there is, so a
    missing head never forks the chain."""
    select, _ = _head_sql(using)
    with connections[using].cursor() as cursor:
        cursor.execute(select, [HEAD_ID])
        row = cursor.fetchone()
    if row is not None:
        return row[0], row[1]
    last = AuditEntry.objects.using(using).order_by("-seq").values("seq", "hash").first() or {}
    try:
        with transaction.atomic(using=using):
            AuditChainHead.objects.using(using).create(
                pk=HEAD_ID, seq=last.get("seq", 0), hash=last.get("hash", "")
            )
    except IntegrityError:
        pass  # another writer created it first; we queue for its lock below
    with connections[using].cursor() as cursor:
        cursor.execute(select, [HEAD_ID])
        row = cursor.fetchone()
    return row[0], row[1]


def append(
    *,
    action: str,
    actor=None,
    record_type: str = "",
    record_id: str = "",
    summary: str = "",
    reason: str = "",
    payload: Mapping[str, Any] | None = None,
    actor_name: str | None = None,
    using: str | None = None,
) -> AuditEntry:
    """Add one entry at the end of the chain, inside the caller's transaction (or its own)."""
    using = using or DEFAULT_DB_ALIAS
    fields = _actor_fields(actor)
    if actor_name is not None:
        fields["actor_name"] = actor_name[:200]
    fields |= {
        "action": _without_nul(action)[:64],
        "record_type": _without_nul(record_type)[:100],
        "record_id": _without_nul(str(record_id))[:64],
        "summary": _without_nul(summary)[:500],
        "reason": _without_nul(reason or ""),
        "payload": _plain_json(payload),
    }
    fields["actor_name"] = _without_nul(fields["actor_name"])
    # No savepoint of its own: an audit entry that fails must fail the change it records.
    with transaction.atomic(using=using, savepoint=False):
        head_seq, head_hash = _locked_head(using)
        fields["seq"] = head_seq + 1
        fields["at"] = timezone.now()
        entry = AuditEntry(**fields, prev_hash=head_hash)
        entry.hash = seal(fields, head_hash)
        entry.save(using=using)
        with connections[using].cursor() as cursor:
            cursor.execute(_head_sql(using)[1], [entry.seq, entry.hash, HEAD_ID])
    return entry


def record_reference(record: models.Model | None) -> tuple[str, str]:
    if record is None:
        return "", ""
    return record._meta.label_lower, str(record.pk)


def audit_record(
    *,
    actor,
    action: str,
    record: models.Model | None,
    summary: str,
    payload: Mapping[str, Any] | None = None,
    reason: str = "",
) -> AuditEntry:
    """For services: record that `actor` did `action` to `record` (who, what, why; references only).

    `action` is a dotted name ("payments.run_approved"); `payload` holds ids, counts and field names,
    never personal data values (the log outlives the records). Runs inside the caller's transaction.
    """
    record_type, record_id = record_reference(record)
    return append(
        action=action,
        actor=actor,
        record_type=record_type,
        record_id=record_id,
        summary=summary,
        reason=reason,
        payload=payload,
    )


# --- what writes entries: simple-history rows and sign-in events -------------------------------------

_HISTORY_ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


def _changed_fields(history_instance, using: str) -> list[str]:
    """Names of the fields this history row changed: one indexed read of the same record's previous
    history row (by history id, which only grows), as a plain statement for the reason above."""
    if history_instance.history_type != "~":
        return []
    model = type(history_instance)
    fields = list(model.tracked_fields)
    key = model._meta.get_field(model.instance_type._meta.pk.name)
    connection = connections[using]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    order = quote(model._meta.pk.column)  # history_id
    sql = (
        f"SELECT {columns} FROM {quote(model._meta.db_table)} "  # noqa: S608 # nosec B608 - names from model meta
        f"WHERE {quote(key.column)} = %s AND {order} < %s ORDER BY {order} DESC LIMIT 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [getattr(history_instance, key.attname), history_instance.pk])
        previous = cursor.fetchone()
    if previous is None:
        return []
    changed = []
    for f, value in zip(fields, previous, strict=True):
        # The conversions the ORM applies on reading (dates, decimals, JSON), so equal values compare equal.
        col = f.cached_col
        for convert in connection.ops.get_db_converters(col) + col.get_db_converters(connection):
            value = convert(value, col, connection)
        if value != getattr(history_instance, f.attname):
            changed.append(f.name)
    return changed


def on_historical_record(sender, instance, history_instance, history_user=None, using=None, **kwargs):
    """post_create_historical_record: one entry per history row, with the changed field names."""
    model = type(instance)
    verb = _HISTORY_ACTIONS.get(history_instance.history_type, "changed")
    using = using or DEFAULT_DB_ALIAS
    fields = _changed_fields(history_instance, using)
    summary = f"{str(model._meta.verbose_name).capitalize()} {instance.pk} {verb}"
    if fields:
        summary += ": " + ", ".join(fields)
    append(
        action=f"record.{verb}",
        actor=history_user,
        record_type=model._meta.label_lower,
        record_id=str(instance.pk),
        summary=summary,
        reason=history_instance.history_change_reason or "",
        payload={
            "history": sender._meta.label_lower,
            "history_id": history_instance.pk,
            "fields": fields,
        },
        using=using,
    )


def _address(request) -> str:
    return (request.META.get("REMOTE_ADDR", "") if request is not None else "") or ""


def on_signed_in(sender, request, user, **kwargs):
    record_type, record_id = record_reference(user)
    append(
        action="auth.signed_in",
        actor=user,
        record_type=record_type,
        record_id=record_id,
        summary="Signed in",
        payload={"address": _address(request)},
    )


def on_signed_out(sender, request, user, **kwargs):
    record_type, record_id = record_reference(user)
    append(
        action="auth.signed_out",
        actor=user,
        record_type=record_type,
        record_id=record_id,
        summary="Signed out",
        payload={"address": _address(request)},
    )


def on_sign_in_failed(sender, credentials, request=None, **kwargs):
    # Django has already masked anything that looks like a password in `credentials`.
    username = str(credentials.get("username", ""))[:150]
    append(
        action="auth.sign_in_failed",
        actor=None,
        actor_name="",
        summary="Failed sign-in",
        payload={"username": username, "address": _address(request)},
    )


def connect_signals() -> None:
    """Called once from PlatformConfig.ready(): infrastructure, not business flow."""
    from django.contrib.auth import signals as auth_signals
    from simple_history.signals import post_create_historical_record

    post_create_historical_record.connect(on_historical_record, dispatch_uid="audit_log.history")
    auth_signals.user_logged_in.connect(on_signed_in, dispatch_uid="audit_log.signed_in")
    auth_signals.user_logged_out.connect(on_signed_out, dispatch_uid="audit_log.signed_out")
    auth_signals.user_login_failed.connect(on_sign_in_failed, dispatch_uid="audit_log.sign_in_failed")


# --- verifying ----------------------------------------------------------------------------------------

_READ_FIELDS = ("id", *SEALED_FIELDS, "prev_hash", "hash")


@dataclass(frozen=True)
class ChainBreak:
    seq: int | None  # the first entry found broken (None: the chain as a whole, e.g. its head)
    problem: str

    def __str__(self) -> str:
        where = f"Entry {self.seq}" if self.seq is not None else "The chain"
        return f"{where}: {self.problem}"


@dataclass(frozen=True)
class ChainReport:
    checked: int
    last_seq: int
    last_hash: str
    broken: ChainBreak | None

    @property
    def intact(self) -> bool:
        return self.broken is None


def _entries(using: str, chunk_size: int) -> Iterator[dict]:
    # A server-side cursor on PostgreSQL, chunked fetches on SQLite: memory stays flat however long.
    return (
        AuditEntry.objects.using(using).order_by("seq").values(*_READ_FIELDS).iterator(chunk_size=chunk_size)
    )


def _check_entry(row: dict, *, expected_seq: int, prev_hash: str, key: bytes) -> str | None:
    if row["seq"] != expected_seq:
        missing = (
            f"entry {expected_seq} is missing"
            if row["seq"] == expected_seq + 1
            else f"entries {expected_seq} to {row['seq'] - 1} are missing"
        )
        return f"{missing} before it (deleted, or the entries were renumbered)"
    if not hmac.compare_digest(seal(row, row["prev_hash"], key=key), row["hash"]):
        return "its contents do not match its hash (changed, reordered or inserted outside the application)"
    if row["prev_hash"] != prev_hash:
        return (
            f"it does not follow entry {expected_seq - 1} (its previous hash differs: an entry was "
            "replaced, moved or inserted)"
        )
    return None


def verify_chain(
    *,
    using: str = DEFAULT_DB_ALIAS,
    chunk_size: int = 2000,
    checkpoint: tuple[int, str] | None = None,
) -> ChainReport:
    """Walk the chain in sequence order and stop at the first broken entry.

    `checkpoint` (a sequence number and hash recorded somewhere else, e.g. a previous run's output)
    also proves the chain was not cut back to before that point.
    """
    key = audit_key()
    expected_seq, prev_hash, checked = 1, "", 0
    for row in _entries(using, chunk_size):
        problem = _check_entry(row, expected_seq=expected_seq, prev_hash=prev_hash, key=key)
        if problem is None and checkpoint and row["seq"] == checkpoint[0] and row["hash"] != checkpoint[1]:
            problem = "its hash differs from the checkpoint recorded for it"
        if problem:
            return ChainReport(checked, expected_seq - 1, prev_hash, ChainBreak(row["seq"], problem))
        checked += 1
        expected_seq, prev_hash = row["seq"] + 1, row["hash"]
    last_seq = expected_seq - 1
    head = AuditChainHead.objects.using(using).filter(pk=HEAD_ID).values("seq", "hash").first()
    broken = None
    if checkpoint and checkpoint[0] > last_seq:
        broken = ChainBreak(
            checkpoint[0], f"the checkpoint names entry {checkpoint[0]} but the chain ends at {last_seq}"
        )
    elif head is None and last_seq:
        broken = ChainBreak(None, "the chain head row is missing")
    elif head is not None and (head["seq"], head["hash"]) != (last_seq, prev_hash):
        if head["seq"] > last_seq:
            broken = ChainBreak(
                last_seq + 1,
                f"entry {last_seq + 1} is missing: the chain head records {head['seq']} entries "
                "(entries were cut from the end)",
            )
        else:
            broken = ChainBreak(None, f"the chain head ({head['seq']}) does not match the last entry")
    return ChainReport(checked, last_seq, prev_hash, broken)
