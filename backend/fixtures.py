"""Load customers, accounts, services, invoices and equipment from a YAML/JSON file.

The format is documented in docs/fixtures.md. Loading is an upsert keyed by account number,
user email (or phone), bundle/service/equipment id and invoice number: running it twice changes
nothing. Dates may be ISO (`2025-03-01`) or relative to today (`+12d`, `-5d`), the business day the
caller passes (the company's date: backend.policy.business_today, or today_in(COMPANY_TIMEZONE)).
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Dict, Optional

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.contact import normalize_email, normalize_phone
from backend.hashing import hash_secret, verify_secret
from backend.models import Account, AuthorizedUser, Bundle, Equipment, Invoice, Service

DEMO_DATA = Path(__file__).with_name("demo_data.yml")


class FixtureError(ValueError):
    """The fixture file is invalid; the message names the entry and field."""


def _req(d: Dict[str, Any], key: str, path: str) -> Any:
    if not isinstance(d, dict):
        raise FixtureError(f"{path}: must be a mapping")
    if d.get(key) in (None, ""):
        raise FixtureError(f"{path}.{key}: is required")
    return d[key]


def _text(value: Any, path: str, pattern: Optional[str] = None) -> str:
    text = str(value).strip()
    if pattern and not re.fullmatch(pattern, text):
        raise FixtureError(f"{path}: {text!r} does not match {pattern}")
    return text


def _money(value: Any, path: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise FixtureError(f'{path}: must be an amount such as "12.34"') from None
    if not amount.is_finite() or amount < 0:
        raise FixtureError(f"{path}: must be a non-negative amount")
    return amount.quantize(Decimal("0.01"))


def _date(value: Any, path: str, today: date) -> date:
    if isinstance(value, date):
        return value
    text = str(value).strip()
    match = re.fullmatch(r"([+-]\d+)d", text)
    if match:
        return today + timedelta(days=int(match.group(1)))
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FixtureError(f"{path}: must be YYYY-MM-DD or a relative date like +12d") from None


def _upsert(
    session: Session, model, key: Dict[str, Any], values: Dict[str, Any], counts: Dict[str, int], name: str
):
    row = session.execute(select(model).filter_by(**key)).scalar_one_or_none()
    if row is None:
        row = model(**key, **values)
        session.add(row)
        counts[name] = counts.get(name, 0) + 1
    else:
        for attr, value in values.items():
            setattr(row, attr, value)
    session.flush()
    return row


def read_file(path: str | Path) -> Dict[str, Any]:
    """Parse a fixture file (.json or YAML)."""
    text = Path(path).read_text(encoding="utf-8")
    data = json.loads(text) if str(path).endswith(".json") else yaml.safe_load(text)
    if not isinstance(data, dict) or not isinstance(data.get("accounts"), list):
        raise FixtureError(f"{path}: must be a mapping with a list `accounts`")
    return data


def load_data(session: Session, data: Dict[str, Any], today: date) -> Dict[str, int]:
    """Upsert everything in `data` (inside the caller's transaction), relative dates counted from
    the business day `today`. Returns new-row counts."""
    counts: Dict[str, int] = {}
    for i, raw in enumerate(data.get("accounts") or []):
        p = f"accounts[{i}]"
        number = _text(_req(raw, "account_number", p), f"{p}.account_number", r"\d{8}")
        pin = raw.get("pin")
        existing = session.execute(
            select(Account).where(Account.account_number == number)
        ).scalar_one_or_none()
        pin_hash = None
        if pin is not None:
            pin = _text(pin, f"{p}.pin", r"\d{4}")
            keep = existing is not None and verify_secret(pin, existing.pin_hash)
            pin_hash = existing.pin_hash if keep else hash_secret(pin)
        account = _upsert(
            session,
            Account,
            {"account_number": number},
            {
                "name": _text(_req(raw, "name", p), f"{p}.name"),
                "tier": _text(_req(raw, "tier", p), f"{p}.tier"),
                "sales_rep": raw.get("sales_rep"),
                "sales_rep_active": bool(raw.get("sales_rep_active", True)),
                "server": raw.get("server"),
                "billing_zip": _text(_req(raw, "billing_zip", p), f"{p}.billing_zip", r"\d{5}"),
                "pin_hash": pin_hash,
            },
            counts,
            "accounts",
        )
        for j, user in enumerate(_req(raw, "users", p)):
            up = f"{p}.users[{j}]"
            email = normalize_email(user["email"]) if user.get("email") else None
            phone = normalize_phone(str(user["phone"])) if user.get("phone") else None
            if not email and not phone:
                raise FixtureError(f"{up}: needs an email or a phone")
            key = {"email": email} if email else {"phone": phone}
            values = {
                "account_id": account.id,
                "first_name": _text(_req(user, "first_name", up), f"{up}.first_name"),
                "last_name": str(user.get("last_name", "")),
                "is_primary": bool(user.get("primary", j == 0)),
            }
            values.update({"phone": phone} if email else {"email": None})
            row = _upsert(session, AuthorizedUser, key, values, counts, "users")
            if row.account_id != account.id:
                raise FixtureError(f"{up}: this email/phone belongs to another account")
        for j, bundle in enumerate(raw.get("bundles") or []):
            bp = f"{p}.bundles[{j}]"
            _upsert(
                session,
                Bundle,
                {"id": _text(_req(bundle, "id", bp), f"{bp}.id")},
                {"account_id": account.id, "name": _text(_req(bundle, "name", bp), f"{bp}.name")},
                counts,
                "bundles",
            )
        for j, svc in enumerate(raw.get("services") or []):
            sp = f"{p}.services[{j}]"
            period = _text(svc.get("billing_period", "monthly"), f"{sp}.billing_period", r"monthly|annual")
            service = _upsert(
                session,
                Service,
                {"id": _text(_req(svc, "id", sp), f"{sp}.id")},
                {
                    "account_id": account.id,
                    "bundle_id": svc.get("bundle"),
                    "name": _text(_req(svc, "name", sp), f"{sp}.name"),
                    "plan": _text(_req(svc, "plan", sp), f"{sp}.plan"),
                    "price": _money(_req(svc, "price", sp), f"{sp}.price"),
                    "billing_period": period,
                    "next_anniversary": _date(
                        _req(svc, "next_anniversary", sp), f"{sp}.next_anniversary", today
                    ),
                },
                counts,
                "services",
            )
            if service.account_id != account.id:
                raise FixtureError(f"{sp}.id: belongs to another account")
            for k, eq in enumerate(svc.get("equipment") or []):
                ep = f"{sp}.equipment[{k}]"
                _upsert(
                    session,
                    Equipment,
                    {"id": _text(_req(eq, "id", ep), f"{ep}.id")},
                    {
                        "account_id": account.id,
                        "service_id": service.id,
                        "model": _text(_req(eq, "model", ep), f"{ep}.model"),
                        "serial": _text(_req(eq, "serial", ep), f"{ep}.serial"),
                        "kind": _text(_req(eq, "kind", ep), f"{ep}.kind"),
                        "retail_price": _money(_req(eq, "retail_price", ep), f"{ep}.retail_price"),
                    },
                    counts,
                    "equipment",
                )
        for j, inv in enumerate(raw.get("invoices") or []):
            ip = f"{p}.invoices[{j}]"
            _upsert(
                session,
                Invoice,
                {"number": _text(_req(inv, "number", ip), f"{ip}.number")},
                {
                    "account_id": account.id,
                    "amount_due": _money(_req(inv, "amount_due", ip), f"{ip}.amount_due"),
                    "due_date": _date(_req(inv, "due_date", ip), f"{ip}.due_date", today),
                    "status": _text(inv.get("status", "open"), f"{ip}.status", r"open|paid"),
                },
                counts,
                "invoices",
            )
    _load_staff(session, data.get("staff") or [], counts)
    return counts


def _load_staff(session: Session, staff: Any, counts: Dict[str, int]) -> None:
    """Staff console users (docs/handoff.md): username, name, role, password (hashed with scrypt)."""
    from backend.handoff.auth import upsert_staff

    if not isinstance(staff, list):
        raise FixtureError("staff: must be a list")
    for i, raw in enumerate(staff):
        p = f"staff[{i}]"
        try:
            _user, created = upsert_staff(
                session,
                str(_req(raw, "username", p)),
                str(raw.get("name") or raw["username"]),
                str(raw.get("role", "agent")),
                str(_req(raw, "password", p)),
            )
        except ValueError as exc:
            raise FixtureError(f"{p}: {exc}") from None
        if created:
            counts["staff"] = counts.get("staff", 0) + 1


def load_file(db, path: str | Path, today: date) -> Dict[str, int]:
    """Read `path` and upsert it in one transaction of `db` (a backend.db.Database), relative
    dates counted from the business day `today`."""
    data = read_file(path)
    return db.transaction(load_data, data, today)
