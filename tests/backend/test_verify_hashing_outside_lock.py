"""Verification hashes outside its write transaction, with the same outcome and the same work."""

import hashlib

import backend.hashing
from backend import identity
from backend.identity import HashWork
from tests.backend.conftest import make_account


def _attempt(db, settings, identifier):
    return db.transaction(identity.start, settings, identifier, "conv-h")["attempt_id"]


def _counting(monkeypatch):
    calls = []
    real = hashlib.pbkdf2_hmac
    monkeypatch.setattr(backend.hashing.hashlib, "pbkdf2_hmac", lambda *a: calls.append(1) or real(*a))
    return calls


def test_prepared_work_is_used_and_not_repeated(db, settings, monkeypatch):
    account = make_account(db)
    calls = _counting(monkeypatch)
    for factor, expected in (
        (account["pin"], "ok"),
        ("0000" if account["pin"] != "0000" else "1111", "failed"),
        (account["zip"], "ok"),
    ):
        attempt = _attempt(db, settings, account["email"])
        stored = db.transaction(identity.verify_target, attempt, factor)
        calls.clear()
        work = identity.hash_work(factor, stored)
        assert len(calls) == 1
        result = db.transaction(identity.verify, settings, attempt, factor, None, work)
        assert result.status == expected and len(calls) == 1  # no second hash inside the lock


def test_stale_or_foreign_work_is_ignored(db, settings, monkeypatch):
    account = make_account(db)
    calls = _counting(monkeypatch)
    attempt = _attempt(db, settings, account["email"])
    # Work claiming success for another stored hash must not verify a wrong PIN.
    wrong = "0000" if account["pin"] != "0000" else "1111"
    calls.clear()
    result = db.transaction(
        identity.verify, settings, attempt, wrong, None, HashWork(wrong, "pbkdf2_sha256$1$x$y", True)
    )
    assert result.status == "failed" and len(calls) == 1  # hashed again against the real hash
    calls.clear()
    result = db.transaction(
        identity.verify, settings, attempt, account["pin"], None, HashWork("9999", None, False)
    )
    assert result.status == "ok" and len(calls) == 1


def test_unknown_attempt_costs_one_hash_either_way(db, settings, monkeypatch):
    calls = _counting(monkeypatch)
    stored = db.transaction(identity.verify_target, "no-such-attempt", "12345")
    work = identity.hash_work("12345", stored)
    result = db.transaction(identity.verify, settings, "no-such-attempt", "12345", None, work)
    assert stored is None and result.status == "failed" and len(calls) == 1
