"""`cancel-backend add-staff` and the demo staff users of the fixture file."""

import os
import subprocess
import sys

from sqlalchemy import select

from backend.db import Database, upgrade
from backend.fixtures import DEMO_DATA, FixtureError, load_data, read_file
from backend.handoff.auth import check_password
from backend.handoff.models import StaffUser
from tests.backend.conftest import business_today
from tests.handoff.conftest import ROOT


def _users(url):
    db = Database(url)
    try:
        return {u.username: u for u in db.transaction(lambda s: list(s.execute(select(StaffUser)).scalars()))}
    finally:
        db.close()


def test_add_staff_reads_the_password_from_stdin(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    upgrade(url)
    env = {**os.environ, "DATABASE_URL": url, "BACKEND_SERVICE_TOKEN": "t", "PYTHONPATH": str(ROOT)}
    run = lambda *args, password: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "backend.cli", "add-staff", *args],
        input=password + "\n",
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    done = run("Pat", "--name", "Pat Doe", "--role", "supervisor", password="a-long-password")
    assert done.returncode == 0 and "staff user pat created (supervisor)" in done.stdout
    assert "a-long-password" not in done.stdout + done.stderr
    user = _users(url)["pat"]
    assert (
        user.display_name == "Pat Doe"
        and user.role == "supervisor"
        and user.password_hash.startswith("scrypt$")
    )
    assert check_password("a-long-password", user.password_hash)
    again = run("pat", "--name", "Pat", password="another-password")
    assert again.returncode == 0 and "updated (agent)" in again.stdout
    assert check_password("another-password", _users(url)["pat"].password_hash)
    short = run("kim", password="short")
    assert short.returncode == 2 and "password: at least 10 characters" in short.stderr
    bad = run("Not Valid!", password="a-long-password")
    assert bad.returncode == 2 and "username" in bad.stderr


def test_demo_data_has_an_agent_and_a_supervisor(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    upgrade(url)
    db = Database(url)
    try:
        counts = db.transaction(load_data, read_file(DEMO_DATA), business_today())
        assert counts["staff"] == 2
        assert "staff" not in db.transaction(
            load_data, read_file(DEMO_DATA), business_today()
        )  # upsert: nothing new
    finally:
        db.close()
    users = _users(url)
    assert (users["alex"].role, users["sam"].role) == ("agent", "supervisor")
    assert check_password("alex-demo-password", users["alex"].password_hash)
    assert check_password("sam-demo-password", users["sam"].password_hash)


def test_bad_staff_entries_name_the_entry(tmp_path):
    url = f"sqlite:///{tmp_path / 'bad.sqlite3'}"
    upgrade(url)
    db = Database(url)
    try:
        for staff, message in [
            ([{"username": "x1", "password": "a-long-password", "role": "boss"}], "staff[0]: role"),
            ([{"username": "x2"}], "staff[0].password: is required"),
            ("alex", "staff: must be a list"),
        ]:
            try:
                db.transaction(load_data, {"accounts": [], "staff": staff}, business_today())
            except FixtureError as exc:
                assert message in str(exc)
            else:
                raise AssertionError(f"{staff!r} was accepted")
    finally:
        db.close()
