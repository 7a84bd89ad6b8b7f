"""Verification over HTTP: factors, identical answers for unknown accounts, lockout, handles."""

import asyncio

from sqlalchemy import delete, update

from backend.hashing import conversation_key
from backend.models import AuditEvent, OutboxMessage, VerificationHandle, VerificationLockout, utcnow
from tests.backend.conftest import count, make_account


async def _start(api, identifier, conversation_id="conv-1"):
    status, body = await api.post(
        "/api/v1/verify/start", {"identifier": identifier, "conversation_id": conversation_id}
    )
    assert status == 200, body
    return body


async def _verify(api, attempt_id, factor, **extra):
    return await api.post("/api/v1/verify", {"attempt_id": attempt_id, "factor": factor, **extra})


async def test_each_identifier_and_factor_verifies(api, db):
    account = make_account(db)
    for identifier in (
        account["account_number"],
        account["email"].upper(),
        f"+1 ({account['phone'][:3]}) {account['phone'][3:6]}-{account['phone'][6:]}",
    ):
        for factor in (account["pin"], account["zip"]):
            start = await _start(api, identifier)
            assert start["factors"] == ["zip", "pin", "otp"]
            status, body = await _verify(api, start["attempt_id"], factor)
            assert status == 200, (identifier, factor, body)
            assert body["customer_first_name"] == "Tess" and body["expires_at"].endswith("Z")
            assert len(body["handle"]) >= 40


async def test_one_time_code_goes_to_the_outbox_and_verifies_once(api, db):
    account = make_account(db)
    start = await _start(api, account["email"])
    status, sent = await api.post("/api/v1/verify/otp", {"attempt_id": start["attempt_id"]})
    assert (status, sent) == (202, {"sent": True, "to": "u•••@test.example"})
    status, outbox = await api.get(f"/api/v1/dev/outbox?to={account['email']}")
    code = outbox["messages"][0]["code"]
    assert outbox["messages"][0]["kind"] == "otp" and code in outbox["messages"][0]["body"]
    status, body = await _verify(api, start["attempt_id"], code)
    assert status == 200
    status, body = await _verify(api, start["attempt_id"], code)  # an attempt verifies only once
    assert (status, body["error"]) == (401, "verification_failed")


async def test_code_for_an_account_number_goes_to_the_registered_email(api, db):
    account = make_account(db)
    start = await _start(api, account["account_number"])
    status, sent = await api.post("/api/v1/verify/otp", {"attempt_id": start["attempt_id"]})
    assert status == 202 and sent["to"] == "u•••@test.example"


async def test_unknown_account_and_wrong_factor_get_identical_answers(api, db):
    account = make_account(db)
    known = await _start(api, account["email"])
    unknown = await _start(api, "nobody-at-all@test.example")
    assert known.keys() == unknown.keys() and known["factors"] == unknown["factors"]
    assert len(known["attempt_id"]) == len(unknown["attempt_id"])

    # the code answer is the same shape (masked from the identifier the customer typed)
    same_domain = await _start(api, f"u{account['email'][1:].replace('user', 'zz')}")
    assert (await api.post("/api/v1/verify/otp", {"attempt_id": same_domain["attempt_id"]}))[1][
        "to"
    ] == "u•••@test.example"
    assert await api.post("/api/v1/verify/otp", {"attempt_id": unknown["attempt_id"]}) == (
        202,
        {"sent": True, "to": "n•••@test.example"},
    )

    pairs = []
    for factor in ("99999", "000000", "0000"):  # ZIP, code, PIN; the limit is 3 in these tests
        wrong = await _verify(api, known["attempt_id"], factor if factor != account["zip"] else "99998")
        missing = await _verify(api, unknown["attempt_id"], factor)
        pairs.append((wrong, missing))
    assert all(wrong == missing for wrong, missing in pairs)
    assert [w[0] for w, _ in pairs] == [401, 401, 429]
    refused = pairs[0][0]
    assert refused[1]["error"] == "verification_failed" and set(refused[1]) == {"error", "message"}
    assert pairs[2][0][1] == {"error": "locked", "message": pairs[2][0][1]["message"], "retry_after": 60}
    unknown_number = await _start(api, "00000001")
    assert (await _verify(api, unknown_number["attempt_id"], "12345")) == refused
    assert (await _verify(api, "no-such-attempt", "12345")) == refused


async def test_lockout_after_the_failure_limit_refuses_even_the_right_factor(api, db, settings):
    account = make_account(db)
    start = await _start(api, account["email"])
    statuses = [
        (await _verify(api, start["attempt_id"], "0000" if account["pin"] != "0000" else "1111"))[0]
        for _ in range(settings.verify_max_failures)
    ]
    assert statuses == [401] * (settings.verify_max_failures - 1) + [429]
    again = await _start(api, account["email"])  # a new attempt does not reset the lock
    status, body = await _verify(api, again["attempt_id"], account["pin"])
    assert status == 429 and body["error"] == "locked"
    assert 0 < body["retry_after"] <= settings.verify_lock_seconds
    response = await api.client.post(
        "/api/v1/verify", json={"attempt_id": again["attempt_id"], "factor": account["pin"]}, headers=api.auth
    )
    assert response.status == 429 and int(response.headers["Retry-After"]) == body["retry_after"]
    # the same identifier typed differently is the same lock
    status, body = await _verify(
        api, (await _start(api, account["email"].upper()))["attempt_id"], account["zip"]
    )
    assert status == 429
    # no code is sent while locked, but the answer is unchanged
    status, sent = await api.post("/api/v1/verify/otp", {"attempt_id": again["attempt_id"]})
    assert status == 202 and sent["sent"] is True
    assert count(db, OutboxMessage, recipient=account["email"], kind="otp") == 0


async def test_unknown_identifiers_lock_the_same_way(api, db, settings):
    start = await _start(api, "ghost@test.example")
    results = [
        await _verify(api, start["attempt_id"], "12345") for _ in range(settings.verify_max_failures + 1)
    ]
    assert [r[0] for r in results] == [401] * (settings.verify_max_failures - 1) + [429, 429]


async def test_audit_trail_never_holds_the_factor(api, db):
    account = make_account(db)
    start = await _start(api, account["email"], "conv-audit")
    await _verify(api, start["attempt_id"], "98765")
    await _verify(api, start["attempt_id"], account["pin"])
    events = db.transaction(
        lambda s: [
            (e.action, e.details)
            for e in s.query(AuditEvent).filter_by(conversation_key=conversation_key("conv-audit"))
        ]
    )
    assert [a for a, _ in events] == ["verify_started", "verify_failed", "verify_succeeded"]
    text = repr(events)
    for secret in ("98765", account["pin"], account["email"], account["account_number"]):
        assert secret not in text


async def test_handle_is_bound_to_its_conversation_and_expires(api, db):
    account = make_account(db)
    who = await api.verify(account, "conv-A")
    assert (await api.get("/api/v1/services", who))[0] == 200
    other = {**who, "X-Conversation-Id": "conv-B"}
    status, body = await api.get("/api/v1/services", other)
    assert (status, body["error"]) == (401, "invalid_handle")
    status, body = await api.get("/api/v1/services", {"X-Conversation-Id": "conv-A"})
    assert (status, body["error"]) == (401, "invalid_handle")
    status, body = await api.get("/api/v1/services", {**who, "X-Verification-Handle": "forged"})
    assert (status, body["error"]) == (401, "invalid_handle")
    db.transaction(
        lambda s: s.execute(
            update(VerificationHandle)
            .where(VerificationHandle.conversation_key == conversation_key("conv-A"))
            .values(expires_at=utcnow())
        )
    )
    assert (await api.get("/api/v1/services", who))[0] == 401


async def test_handles_are_stored_hashed(api, db):
    account = make_account(db)
    who = await api.verify(account)
    stored = db.transaction(lambda s: [h.handle_hash for h in s.query(VerificationHandle)])
    assert who["X-Verification-Handle"] not in stored


async def test_malformed_factor_is_a_field_error_not_a_failure(api, db):
    account = make_account(db)
    start = await _start(api, account["email"])
    for factor, field in (("12ab", "factor"), ("1234567", "factor"), ("12345", "factor")):
        extra = {"factor_type": "pin"} if factor == "12345" else {}
        status, body = await _verify(api, start["attempt_id"], factor, **extra)
        assert (status, body["field"]) == (422, field)
    status, body = await _verify(api, start["attempt_id"], account["pin"])
    assert status == 200


async def test_concurrent_failures_are_all_counted(api, db, settings):
    account = make_account(db)
    start = await _start(api, account["email"])
    results = await asyncio.gather(*[_verify(api, start["attempt_id"], "55555") for _ in range(8)])
    assert sum(1 for status, _ in results if status == 429) >= 8 - settings.verify_max_failures + 1


async def test_unknown_and_known_accounts_cost_the_same_hashing(api, db, monkeypatch):
    import hashlib

    import backend.hashing

    calls = []
    real = hashlib.pbkdf2_hmac
    monkeypatch.setattr(backend.hashing.hashlib, "pbkdf2_hmac", lambda *a: calls.append(a[3]) or real(*a))
    account = make_account(db)
    work = {}
    for label, identifier in (("known", account["email"]), ("unknown", "nemo@test.example")):
        for factor in ("99999", "0001", "000001"):
            db.transaction(lambda s: s.execute(delete(VerificationLockout)))  # stay below the limit
            start = await _start(api, identifier)
            calls.clear()
            status, _ = await _verify(api, start["attempt_id"], factor)
            assert status == 401
            work[label, len(factor)] = list(calls)
        start = await _start(api, identifier)
        calls.clear()
        await api.post("/api/v1/verify/otp", {"attempt_id": start["attempt_id"]})
        work[label, "otp"] = list(calls)
    for key in (5, 4, 6, "otp"):
        assert work["known", key] == work["unknown", key] and len(work["known", key]) >= 1


async def test_lockout_is_per_account_whatever_identifier_was_used(api, db, settings):
    """Failures on the email lock the account: its account number and phone are locked too, and
    failures spread over the three identifiers add up to one count."""
    account = make_account(db)
    wrong_zip = "99999" if account["zip"] != "99999" else "99998"
    for _ in range(settings.verify_max_failures):
        await _verify(api, (await _start(api, account["email"]))["attempt_id"], wrong_zip)
    for identifier in (account["account_number"], account["phone"], account["email"]):
        status, body = await _verify(api, (await _start(api, identifier))["attempt_id"], account["zip"])
        assert (status, body["error"]) == (429, "locked"), identifier

    spread = make_account(db)
    identifiers = [spread["email"], spread["account_number"], spread["phone"]]
    results = [
        (
            await _verify(
                api,
                (await _start(api, identifiers[i % 3]))["attempt_id"],
                "0000" if spread["pin"] != "0000" else "1111",
            )
        )[0]
        for i in range(settings.verify_max_failures)
    ]
    assert results == [401] * (settings.verify_max_failures - 1) + [429]
    status, _ = await _verify(api, (await _start(api, spread["phone"]))["attempt_id"], spread["pin"])
    assert status == 429
    # another account is not affected
    other = make_account(db)
    assert (await _verify(api, (await _start(api, other["phone"]))["attempt_id"], other["zip"]))[0] == 200


async def test_identifier_keys_are_keyed_hashes(api, db):
    """The stored lockout/attempt keys are HMACs with IDENTIFIER_HASH_KEY: enumerating candidate
    emails with plain SHA-256 (as an attacker with a copy of the database would) finds nothing."""
    import hashlib
    import hmac

    from backend.models import VerificationAttempt
    from tests.backend.conftest import IDENTIFIER_HASH_KEY

    account = make_account(db)
    await _start(api, account["email"], "conv-keyed")
    stored = {
        a.identifier_key
        for a in db.transaction(
            lambda s: list(
                s.query(VerificationAttempt).filter_by(conversation_key=conversation_key("conv-keyed"))
            )
        )
    }
    plain = f"email:{account['email']}".encode()
    unkeyed = hashlib.sha256(b"cancel-assistant/identifier:" + plain).hexdigest()
    keyed = hmac.new(
        IDENTIFIER_HASH_KEY.encode(), b"cancel-assistant/identifier:" + plain, hashlib.sha256
    ).hexdigest()
    assert stored == {keyed} and unkeyed not in stored and hashlib.sha256(plain).hexdigest() not in stored


async def test_one_time_codes_are_capped_per_account_not_per_attempt(api, db, settings):
    """Ten conversations asking for codes for one customer: at most OTP_MAX_PER_ACCOUNT codes are
    sent in the window, whichever identifier and conversation asked; the answer never changes."""
    account = make_account(db)
    identifiers = [account["email"], account["account_number"], account["phone"]]
    for i in range(10):
        start = await _start(api, identifiers[i % 3], f"conv-otp-flood-{i}")
        for _ in range(3):
            status, sent = await api.post("/api/v1/verify/otp", {"attempt_id": start["attempt_id"]})
            assert status == 202 and sent["sent"] is True
    sent_codes = count(db, OutboxMessage, kind="otp", account_id=_account_id(db, account))
    assert sent_codes == settings.otp_max_per_account
    # another customer is not affected
    other = make_account(db)
    start = await _start(api, other["email"])
    await api.post("/api/v1/verify/otp", {"attempt_id": start["attempt_id"]})
    assert count(db, OutboxMessage, kind="otp", account_id=_account_id(db, other)) == 1


def _account_id(db, account):
    from backend.models import Account

    return db.transaction(
        lambda s: s.query(Account).filter_by(account_number=account["account_number"]).one().id
    )


async def test_verify_start_does_the_same_queries_for_known_and_unknown_identifiers(api, db):
    """Issue 14: `verify/start` took 10.8 ms for a known identifier and 7.6 ms for an unknown one
    (a second query loaded the account's users or the user's account). The same statements run,
    in the same order, whatever the identifier and whether it exists (compared without timing)."""
    from sqlalchemy import event

    from backend.polling import PollingLoop

    # the backend's own background loops (outbox delivery and its purge of expired codes, staff
    # notifications) query the same engine on their own clock: stopped and drained, so that only
    # the statements of the requests are compared
    loops = [value for value in api.client.app.values() if isinstance(value, PollingLoop)]
    assert loops  # the deliverer and the notifier
    for loop in loops:
        await loop.stop()  # type: ignore[attr-defined]
    db.wait_idle()  # a round cancelled while its statement waited for a worker thread still runs
    account = make_account(db)
    unknown_number = f"{(int(account['account_number']) + 50_000_000) % 100_000_000:08d}"
    pairs = {
        "account_number": (account["account_number"], unknown_number),
        "email": (account["email"], "nobody.at.all@test.example"),
        "phone": (account["phone"], "+1 3" + account["phone"][-9:]),
    }
    statements: list = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        for kind, (known, unknown) in pairs.items():
            seen = {}
            for label, identifier in (("known", known), ("unknown", unknown)):
                statements.clear()
                await _start(api, identifier, f"conv-same-work-{kind}-{label}")
                seen[label] = list(statements)
            assert seen["known"] == seen["unknown"], kind
            assert any("authorized_users" in s for s in seen["known"]), kind
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
