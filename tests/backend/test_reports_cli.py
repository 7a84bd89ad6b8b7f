"""`cancel-backend report` prints the fixture's figures as a table, CSV and JSON; `seed --history`
writes the demo history once."""

import csv
import io
import json
from datetime import timedelta

import pytest

from backend.cli import main
from tests.backend.conftest import business_today
from tests.backend.test_reports_figures import record

PERIOD = ["--since", "2026-03-02", "--until", "2026-03-08"]


@pytest.fixture(scope="module")
def recorded(db, policy):
    return record(db, policy)


@pytest.fixture
def cli(db_url, recorded, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", db_url)

    def run(*args):
        code = main(["report", *args])
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def test_json_has_every_table_with_the_fixtures_figures(cli):
    code, out, _ = cli(*PERIOD, "--format", "json")
    assert code == 0
    body = json.loads(out)
    tables = {t["id"]: t for t in body["tables"]}
    assert (body["since"], body["until"], body["filters"]) == ("2026-03-02", "2026-03-08", {})
    assert tables["funnel"]["rows"][0] == ["started", 15, 1.0, 1, 0, 1, 0]
    assert tables["revenue_kept"]["rows"] == [["2026-03", 4, 1, "190.00", "3570.00"]]
    assert tables["holdout"]["rows"][2] == [
        "difference (offers' effect)",
        None,
        None,
        None,
        None,
        0.1667,
        -0.38,
        0.6361,
    ]
    assert tables["service"]["rows"][5] == ["time to cancel, median (s)", 240.0, 5]


def test_csv_and_filters(cli):
    code, out, _ = cli(*PERIOD, "--format", "csv", "--tier", "SMB")
    assert code == 0
    blocks = {
        b.split("\n", 1)[0]: list(csv.reader(io.StringIO(b.split("\n", 1)[1]))) for b in out.split("\n\n")
    }
    assert blocks["# by_channel: Cancellations by channel"] == [["channel", "cancellations"], ["twilio", "1"]]
    assert blocks["# holdout: Offers against the holdout (95% intervals)"][1:3] == [
        ["offered", "1", "1", "1.0", "1", "1.0", "0.2065", "1.0"],
        ["holdout", "1", "", "", "0", "0.0", "0.0", "0.7935"],
    ]


def test_table_shows_percentages_and_no_reason_given(cli):
    code, out, _ = cli(*PERIOD)
    assert code == 0
    assert "Funnel of cancellation conversations" in out
    assert "identified      14             93.3%" in out
    assert "no reason given  2" in out


def test_bad_dates_and_unknown_channels_are_refused(cli, capsys):
    assert cli("--since", "2026-13-01")[0] == 2
    with pytest.raises(SystemExit) as refused:  # argparse: SMS is Rasa's twilio channel
        cli(*PERIOD, "--channel", "sms")
    assert refused.value.code == 2 and "invalid choice: 'sms'" in capsys.readouterr().err
    code, _, err = cli("--since", "2026-03-08", "--until", "2026-03-01")
    assert code == 2 and "--until is before --since" in err


def test_seed_history_once(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    monkeypatch.setenv("IDENTIFIER_HASH_KEY", "demo-history-key")
    assert main(["seed", "--history", "40"]) == 0
    assert "demo history: 40 conversations over the last 90 days" in capsys.readouterr().out
    assert main(["seed", "--history"]) == 0
    assert "demo history already present (40 customers); nothing added" in capsys.readouterr().out
    today = business_today()  # reports count the company's days (docs/reports.md)
    assert main(["report", "--since", (today - timedelta(days=91)).isoformat(), "--format", "json"]) == 0
    funnel = json.loads(capsys.readouterr().out)["tables"][0]
    assert funnel["rows"][0][:2] == ["started", 40]
