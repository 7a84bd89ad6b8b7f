"""`cancel-backend`: serve the API, migrate the database, load demo or fixture data."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import List, Optional

from backend.config import ConfigError, Settings, load_settings
from backend.handoff.words import CHANNELS
from backend.policy import PolicyError, load_policy


def _fail(message: str) -> int:
    print(f"cancel-backend: {message}", file=sys.stderr)
    return 2


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    from aiohttp import web

    from backend.server import create_app

    try:
        settings.require_token()
        policy = load_policy(settings.policy_file, settings.company_timezone)
    except (ConfigError, PolicyError) as exc:
        return _fail(str(exc))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(settings, policy=policy)  # API, widget pages, API reference, staff console
    web.run_app(
        app, host=args.host or settings.backend_host, port=args.port or settings.backend_port, access_log=None
    )
    return 0


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    from backend.db import upgrade

    upgrade(settings.database_url)
    print("database migrated to the latest revision")
    return 0


def _load(settings: Settings, path) -> int:
    from backend.db import Database
    from backend.fixtures import FixtureError, load_file
    from contract.vocabulary.dates import today_in

    db = Database(settings.database_url)
    try:
        counts = load_file(db, path, today_in(settings.company_timezone))  # the business day
    except (FixtureError, OSError) as exc:
        return _fail(str(exc))
    finally:
        db.close()
    added = ", ".join(f"{n} {name}" for name, n in sorted(counts.items())) or "nothing new"
    print(f"loaded {path}: {added}")
    return 0


def cmd_seed(settings: Settings, args: argparse.Namespace) -> int:
    from backend.fixtures import DEMO_DATA

    cmd_migrate(settings, args)
    loaded = _load(settings, DEMO_DATA)
    if loaded or not args.history:
        return loaded
    from backend.hashing import set_identifier_hash_key
    from backend.reports.demo import seed_history

    try:
        policy = load_policy(settings.policy_file, settings.company_timezone)
        set_identifier_hash_key(settings.require_identifier_hash_key())  # the history's conversation keys
    except (PolicyError, ConfigError) as exc:
        return _fail(str(exc))
    print(seed_history(settings.database_url, policy, args.history))
    return 0


def cmd_report(settings: Settings, args: argparse.Namespace) -> int:
    """Print the retention and service figures (docs/reports.md) for a period."""
    from datetime import date

    from backend.db import Database
    from backend.reports import Filters, report
    from backend.reports.render import FORMATS
    from contract.vocabulary.dates import today_in

    zone = settings.company_timezone  # reports count the company's days, as the business day
    try:
        since = date.fromisoformat(args.since)
        until = date.fromisoformat(args.until) if args.until else today_in(zone)
    except ValueError:
        return _fail("--since and --until take dates YYYY-MM-DD")
    if until < since:
        return _fail("--until is before --since")
    db = Database(settings.database_url)
    try:
        result = db.transaction(
            report, since, until, Filters(args.channel, args.tier, args.reason), zone=zone
        )
    finally:
        db.close()
    sys.stdout.write(FORMATS[args.format](result))
    return 0


def cmd_load(settings: Settings, args: argparse.Namespace) -> int:
    return _load(settings, args.file)


def cmd_add_staff(settings: Settings, args: argparse.Namespace) -> int:
    """Create or update a console user; the password is read from the terminal (or stdin)."""
    import getpass

    from backend.db import Database
    from backend.handoff.auth import upsert_staff

    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            return _fail("the passwords differ")
    else:
        password = sys.stdin.readline().rstrip("\n")
    db = Database(settings.database_url)
    try:
        _user, created = db.transaction(
            upsert_staff, args.username, args.name or args.username, args.role, password
        )
    except ValueError as exc:
        return _fail(str(exc))
    finally:
        db.close()
    print(f"staff user {args.username.lower()} {'created' if created else 'updated'} ({args.role})")
    return 0


def cmd_mail_sink(settings: Settings, args: argparse.Namespace) -> int:
    """Run the local SMTP mail sink until interrupted (make run starts it)."""
    import signal
    import threading

    from backend.delivery.mailsink import start_sink

    port = args.port or settings.smtp_port
    controller = start_sink(Path(settings.mail_dir), host="127.0.0.1", port=port)
    print(f"mail sink on 127.0.0.1:{port}, keeping mail in {settings.mail_dir}/", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    controller.stop()
    return 0


def cmd_mail(settings: Settings, args: argparse.Namespace) -> int:
    """List the mail the sink kept, or show one message (by number in the list or file name)."""
    from backend.delivery import mailsink

    kept = mailsink.messages(Path(settings.mail_dir))
    if args.which is None:
        for n, path in enumerate(kept, 1):
            print(f"{n:3d}  {mailsink.summary(path)}")
        if not kept:
            print(f"no mail in {settings.mail_dir}/")
        return 0
    if args.which.isdigit() and 1 <= int(args.which) <= len(kept):
        path = kept[int(args.which) - 1]
    else:
        found = [p for p in kept if p.name == args.which]
        if not found:
            return _fail(f"no message {args.which!r} in {settings.mail_dir}/")
        path = found[0]
    print(mailsink.show(path))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cancel-backend", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the HTTP API (BACKEND_HOST/BACKEND_PORT)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(func=cmd_serve)
    sub.add_parser("migrate", help="apply database migrations (alembic upgrade head)").set_defaults(
        func=cmd_migrate
    )
    seed = sub.add_parser("seed", help="migrate and load the demo data (backend/demo_data.yml)")
    seed.add_argument(
        "--history",
        type=int,
        nargs="?",
        const=600,
        default=0,
        metavar="N",
        help="also write N past conversations (default 600 over 90 days) for the reports page, "
        "once per database",
    )
    seed.set_defaults(func=cmd_seed)
    rep = sub.add_parser(
        "report", help="print the retention and service figures of a period (docs/reports.md)"
    )
    rep.add_argument("--since", required=True, help="first day, YYYY-MM-DD (conversations started from then)")
    rep.add_argument("--until", help="last day, YYYY-MM-DD (default: today, UTC)")
    rep.add_argument("--format", choices=["table", "csv", "json"], default="table")
    rep.add_argument(
        "--channel",
        choices=list(CHANNELS),
        help="only conversations of this input channel (socketio: website chat, twilio: SMS, ...)",
    )
    rep.add_argument("--tier", help="only customers of this tier")
    rep.add_argument("--reason", help="only this cancellation reason (none: no reason given)")
    rep.set_defaults(func=cmd_report)
    load = sub.add_parser("load", help="load customers/services/invoices/equipment from a YAML or JSON file")
    load.add_argument("file")
    load.set_defaults(func=cmd_load)
    staff = sub.add_parser(
        "add-staff", help="create/update a staff console user (password from the terminal or stdin)"
    )
    staff.add_argument("username")
    staff.add_argument("--name", help="display name shown to customers (default: the username)")
    staff.add_argument("--role", choices=["agent", "supervisor"], default="agent")
    staff.set_defaults(func=cmd_add_staff)
    sink = sub.add_parser(
        "mail-sink", help="run the local SMTP mail sink on loopback (SMTP_PORT; keeps mail in MAIL_DIR)"
    )
    sink.add_argument("--port", type=int)
    sink.set_defaults(func=cmd_mail_sink)
    mail = sub.add_parser("mail", help="list the mail the local sink kept, or show one (number or file name)")
    mail.add_argument("which", nargs="?")
    mail.set_defaults(func=cmd_mail)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point of the `cancel-backend` console script."""
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        return _fail(str(exc))
    return args.func(settings, args)


if __name__ == "__main__":
    sys.exit(main())
