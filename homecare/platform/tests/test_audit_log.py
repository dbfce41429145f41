"""The tamper-evident audit log: what writes entries, and that verify_audit finds the first break."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import RequestFactory, override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from homecare.people import services as people_services
from homecare.platform import audit_log
from homecare.platform.append_only import AppendOnlyError
from homecare.platform.models import AuditChainHead, AuditEntry


def _write(actor, n: int, *, record=None) -> list[AuditEntry]:
    return [
        audit_log.audit_record(
            actor=actor,
            action="test.thing_done",
            record=record,
            summary=f"Thing {i} done",
            payload={"count": i, "amount": Decimal("12.50"), "on": dt.date(2026, 3, 29)},
        )
        for i in range(n)
    ]


def _sql(statement: str, params=()) -> None:
    """Tampering as a database administrator would: raw SQL, behind the application's back."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _verify() -> audit_log.ChainReport:
    return audit_log.verify_chain()


# --- writing -------------------------------------------------------------------------------------------


def test_each_entry_follows_the_one_before_and_the_chain_verifies(alice):
    start = AuditEntry.objects.count()
    entries = _write(alice, 5)
    assert [e.seq for e in entries] == list(range(start + 1, start + 6))
    for before, after in zip(entries, entries[1:], strict=False):
        assert after.prev_hash == before.hash
    head = AuditChainHead.objects.get()
    assert (head.seq, head.hash) == (entries[-1].seq, entries[-1].hash)
    report = _verify()
    assert report.intact and report.last_seq == entries[-1].seq


def test_an_entry_records_who_for_which_organisation_and_what_in_plain_json(alice, mary):
    entry = audit_log.audit_record(
        actor=alice,
        action="records.exported",
        record=mary,
        summary="Exported",
        payload={"amount": Decimal("1.10"), "on": dt.date(2026, 1, 2)},
        reason="Subject access request",
    )
    entry.refresh_from_db()
    assert (entry.actor_id, entry.actor_name) == (alice.pk, alice.get_full_name() or alice.username)
    assert (entry.organisation_id, entry.organisation_name) == (
        alice.organisation_id,
        "Northbridge Borough Council",
    )
    assert (entry.record_type, entry.record_id) == ("people.person", str(mary.pk))
    assert entry.payload == {"amount": "1.10", "on": "2026-01-02"}
    assert entry.reason == "Subject access request"


def test_entries_are_never_changed_or_deleted_through_the_application(alice):
    entry = _write(alice, 1)[0]
    entry.summary = "rewritten"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()


def test_person_changes_are_audited_with_the_changed_fields_and_reason_but_not_their_values(alice, mary):
    created = AuditEntry.objects.get(record_type="people.person", record_id=str(mary.pk))
    assert created.action == "record.created"
    assert created.actor_id == alice.pk
    people_services.person_update(actor=alice, person=mary, family_name="Jones", reason="Married")
    changed = AuditEntry.objects.filter(record_type="people.person", record_id=str(mary.pk)).last()
    assert changed.action == "record.changed"
    assert changed.payload["fields"] == ["family_name"]
    assert changed.reason == "Married"
    assert changed.payload["history_id"] == mary.history.latest().history_id
    # The log outlives the care record: it names the field, never the old or new value.
    assert "Jones" not in str(changed.payload) + changed.summary
    assert "Smith" not in str(changed.payload) + changed.summary
    assert _verify().intact


def test_sign_in_sign_out_and_failed_sign_in_are_audited(client, alice):
    client.force_login(alice)
    client.logout()
    request = RequestFactory().post("/sign-in", REMOTE_ADDR="192.0.2.7")
    assert authenticate(request, username="alice", password="not-her-password") is None
    actions = list(AuditEntry.objects.order_by("seq").values_list("action", "actor_id"))[-3:]
    assert actions == [
        ("auth.signed_in", alice.pk),
        ("auth.signed_out", alice.pk),
        ("auth.sign_in_failed", None),
    ]
    failed = AuditEntry.objects.order_by("seq").last()
    assert failed.payload == {"username": "alice", "address": "192.0.2.7"}
    assert _verify().intact


def test_a_missing_chain_head_is_rebuilt_from_the_last_entry(alice):
    entries = _write(alice, 2)
    AuditChainHead.objects.all().delete()
    more = _write(alice, 1)[0]
    assert more.seq == entries[-1].seq + 1 and more.prev_hash == entries[-1].hash
    assert _verify().intact


def test_entries_sealed_under_another_key_do_not_verify(alice):
    _write(alice, 2)
    with override_settings(AUDIT_HMAC_KEY="another-key-" + "x" * 32):
        report = _verify()
    assert not report.intact and report.broken.seq == 1


# --- tampering with raw SQL ------------------------------------------------------------------------------


@pytest.fixture
def chain(alice):
    """Six entries and nothing else in the log, so sequence numbers are 1 to 6."""
    _sql("DELETE FROM platform_auditentry")
    _sql("DELETE FROM platform_auditchainhead")
    entries = _write(alice, 6)
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5, 6]
    assert _verify().intact
    return entries


def test_an_edited_entry_is_the_first_broken_one(chain):
    _sql("UPDATE platform_auditentry SET summary = %s WHERE seq = 3", ["Nothing happened"])
    report = _verify()
    assert report.broken.seq == 3 and "do not match" in report.broken.problem
    assert report.checked == 2 and report.last_seq == 2


def test_an_edited_payload_or_actor_breaks_the_chain(chain):
    _sql("UPDATE platform_auditentry SET actor_name = %s WHERE seq = 5", ["Somebody else"])
    _sql("UPDATE platform_auditentry SET payload = %s WHERE seq = 4", ['{"count": 99}'])
    assert _verify().broken.seq == 4


def test_a_deleted_entry_is_reported_at_the_entry_after_the_gap(chain):
    _sql("DELETE FROM platform_auditentry WHERE seq = 3")
    report = _verify()
    assert report.broken.seq == 4 and "entry 3 is missing" in report.broken.problem


def test_deleting_and_renumbering_to_hide_the_gap_is_still_found(chain):
    _sql("DELETE FROM platform_auditentry WHERE seq = 3")
    for seq in (4, 5, 6):
        _sql("UPDATE platform_auditentry SET seq = %s WHERE seq = %s", [seq - 1, seq])
    assert _verify().broken.seq == 3


def test_reordered_entries_are_found(chain):
    _sql("UPDATE platform_auditentry SET seq = 100 WHERE seq = 2")
    _sql("UPDATE platform_auditentry SET seq = 2 WHERE seq = 5")
    _sql("UPDATE platform_auditentry SET seq = 5 WHERE seq = 100")
    assert _verify().broken.seq == 2


def test_swapping_whole_entries_including_their_hashes_is_found(chain):
    # Rows moved whole (contents, previous hash and seal) to each other's places: a seal covers its
    # sequence number, so the first moved entry no longer matches where it now stands.
    columns = "at, actor_name, action, summary, payload, prev_hash, hash"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM platform_auditentry WHERE seq IN (2, 3) ORDER BY seq")
        second, third = cursor.fetchall()
    assignments = ", ".join(f"{c.strip()} = %s" for c in columns.split(","))
    _sql(f"UPDATE platform_auditentry SET {assignments} WHERE seq = 2", list(third))
    _sql(f"UPDATE platform_auditentry SET {assignments} WHERE seq = 3", list(second))
    assert _verify().broken.seq == 2


def test_an_inserted_entry_is_found(chain):
    _sql(
        "INSERT INTO platform_auditentry (seq, at, actor_name, organisation_name, action, record_type, "
        "record_id, summary, reason, payload, prev_hash, hash) "
        "VALUES (7, %s, 'Admin', '', 'test.thing_done', '', '', 'Forged', '', '{}', %s, %s)",
        [dt.datetime(2026, 1, 1, tzinfo=dt.UTC), chain[-1].hash, "0" * 64],
    )
    report = _verify()
    assert report.broken.seq == 7


def test_entries_cut_from_the_end_are_found_by_the_chain_head(chain):
    _sql("DELETE FROM platform_auditentry WHERE seq >= 5")
    report = _verify()
    assert report.broken.seq == 5 and "cut from the end" in report.broken.problem


def test_a_checkpoint_kept_elsewhere_catches_a_cut_hidden_from_the_head(chain):
    checkpoint = (6, chain[-1].hash)
    _sql("DELETE FROM platform_auditentry WHERE seq >= 5")
    _sql("UPDATE platform_auditchainhead SET seq = 4, hash = %s", [chain[3].hash])
    assert _verify().intact  # nothing inside the database can tell…
    report = audit_log.verify_chain(checkpoint=checkpoint)  # …the checkpoint can
    assert report.broken.seq == 6


# --- the command --------------------------------------------------------------------------------------


def test_verify_audit_prints_a_checkpoint_when_intact(chain):
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert f"6 entries verified. Checkpoint 6:{chain[-1].hash}" in out.getvalue()
    call_command("verify_audit", checkpoint=f"6:{chain[-1].hash}", chunk_size=2, stdout=io.StringIO())


def test_verify_audit_fails_naming_the_first_broken_entry(chain):
    _sql("UPDATE platform_auditentry SET summary = 'x' WHERE seq = 2")
    _sql("UPDATE platform_auditentry SET summary = 'y' WHERE seq = 5")
    with pytest.raises(CommandError, match=r"Entry 2: its contents do not match"):
        call_command("verify_audit", chunk_size=2)


def test_verify_audit_refuses_a_malformed_checkpoint(chain):
    with pytest.raises(CommandError, match="SEQUENCE:HASH"):
        call_command("verify_audit", checkpoint="six")


# --- properties -----------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)
# Hypothesis takes naive bounds and adds the zone itself.
EARLIEST, LATEST = dt.datetime(2000, 1, 1), dt.datetime(2100, 1, 1)  # noqa: DTZ001
texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=st.dictionaries(st.text(max_size=8), json_values, max_size=4), summary=texts, reason=texts)
def test_whatever_is_written_reads_back_and_verifies(db, payload, summary, reason):
    entry = audit_log.append(action="test.property", summary=summary, reason=reason, payload=payload)
    row = AuditEntry.objects.values(*audit_log.SEALED_FIELDS, "prev_hash", "hash").get(pk=entry.pk)
    assert audit_log.seal(row, row["prev_hash"]) == row["hash"]


@given(
    fields=st.fixed_dictionaries(
        {
            "seq": st.integers(min_value=1, max_value=10**9),
            "at": st.datetimes(min_value=EARLIEST, max_value=LATEST, timezones=st.just(dt.UTC)),
            "actor_id": st.none() | st.integers(min_value=1, max_value=10**6),
            "actor_name": texts,
            "organisation_id": st.none() | st.integers(min_value=1, max_value=10**6),
            "organisation_name": texts,
            "action": texts,
            "record_type": texts,
            "record_id": texts,
            "summary": texts,
            "reason": texts,
            "payload": st.dictionaries(st.text(max_size=5), st.integers() | texts, max_size=3),
        }
    ),
    field=st.sampled_from(audit_log.SEALED_FIELDS),
    prev_hash=st.text(alphabet="0123456789abcdef", min_size=64, max_size=64),
)
def test_changing_any_sealed_field_or_the_link_changes_the_seal(fields, field, prev_hash):
    key = b"k" * 32
    original = audit_log.seal(fields, prev_hash, key=key)
    changed = dict(fields)
    value = fields[field]
    if field == "at":
        changed[field] = value + dt.timedelta(microseconds=1)
    elif field == "payload":
        changed[field] = {**value, "tampered": True}
    elif isinstance(value, int) and not isinstance(value, bool):
        changed[field] = value + 1
    elif value is None:
        changed[field] = 1
    else:
        changed[field] = value + "x"
    assert audit_log.seal(changed, prev_hash, key=key) != original
    other_link = "f" * 64 if prev_hash != "f" * 64 else "0" * 64
    assert audit_log.seal(fields, other_link, key=key) != original


# --- production settings ----------------------------------------------------------------------------------


def _load_production_settings(**env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ("AUDIT_HMAC_KEY", "DJANGO_SETTINGS_MODULE")}
    return subprocess.run(  # noqa: S603 - this interpreter, a fixed module
        [sys.executable, "-c", "import homecare.config.settings.production"],
        env=base | {"DATABASE_URL": "postgres://app@127.0.0.1:5432/homecare", "SECRET_KEY": "s" * 50} | env,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[3],
    )


def test_production_refuses_to_start_without_its_own_audit_key():
    missing = _load_production_settings()
    assert missing.returncode != 0 and "AUDIT_HMAC_KEY must be set in production" in missing.stderr
    same = _load_production_settings(AUDIT_HMAC_KEY="s" * 50)
    assert same.returncode != 0 and "must differ from SECRET_KEY" in same.stderr
    # (Other production checks may still want more of the environment; none of them is about this key.)
    assert "AUDIT_HMAC_KEY" not in _load_production_settings(AUDIT_HMAC_KEY="k" * 40).stderr
