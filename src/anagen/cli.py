"""The ``anagen`` command. Django is loaded only by the subcommands that need it."""

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from anagen.clinical_cli import add_commands
from anagen.trichoscopy_cli import add_commands as add_trichoscopy_commands

SETTINGS = "anagen.project.settings"
DEMO_PORT = 8000


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    import django

    django.setup()


def _manage(*args: str) -> None:
    from django.core.management import call_command

    call_command(*args)


def cmd_demo(args: argparse.Namespace) -> int:
    if os.environ.get("ANAGEN_ENV") == "production":
        print("anagen demo refuses to run with ANAGEN_ENV=production.", file=sys.stderr)
        return 2
    data_dir = Path(os.environ.get("ANAGEN_DATA_DIR") or Path.cwd() / "data").resolve()
    database = data_dir / "demo.sqlite3"
    # The demo always uses its own SQLite file, whatever DATABASE_URL says.
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["ANAGEN_DATA_DIR"] = str(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    if args.reset:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
    _django()
    _manage("migrate", "--verbosity", "0")
    from anagen.demo.load import DEMO_PASSWORD, demo_load

    logins = demo_load()
    print(f"\nAnagen demo: {database}\n")
    print(f"  Open http://{args.host}:{args.port}/ and sign in with any of these")
    print(f"  (password for all: {DEMO_PASSWORD}):\n")
    for clinic, role, email in logins:
        print(f"    {clinic:<28} {role:<13} {email}")
    print()
    if args.no_serve:
        return 0
    return _serve(args.host, args.port, threads=4)


def _serve(host: str, port: int, threads: int) -> int:
    from waitress import serve

    from anagen.project.wsgi import application

    print(f"Serving on http://{host}:{port}/ (Ctrl+C to stop)", flush=True)
    serve(application, host=host, port=port, threads=threads, ident="anagen")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    _django()
    from django.conf import settings
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    # Serving a database whose tables were never made answers every page with an error page;
    # say what to do instead (Django's runserver warns the same way).
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        print(
            f"The database ({settings.DATABASES['default']['NAME']}) has {len(pending)} "
            "migrations not applied; run `anagen migrate` first (or `anagen demo` for the demo).",
            file=sys.stderr,
        )
        return 2
    if settings.PRODUCTION:
        _manage("collectstatic", "--noinput", "--verbosity", "0")
    return _serve(args.host, args.port, threads=args.threads)


def cmd_migrate(args: argparse.Namespace) -> int:
    _django()
    _manage("migrate")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    _django()
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    try:
        call_command("check", *(["--deploy", "--fail-level", "WARNING"] if args.deploy else []))
    except SystemCheckError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    _django()
    from anagen.audit.services import audit_verify

    report = audit_verify()
    if report.broken is None:
        print(f"audit chain intact: {report.entries} entr{'y' if report.entries == 1 else 'ies'}")
        return 0
    print(f"audit chain BROKEN at {report.broken.describe()}")
    return 1


def cmd_reminders(args: argparse.Namespace) -> int:
    _django()
    from django.utils import timezone

    from anagen.safety.reminders import send_follow_up_reminders
    from anagen.scheduling.reminders import send_reminders

    now = timezone.now()
    run = send_reminders(now)
    print(f"{run.sent} reminders sent; {run.no_email} patients without an email address skipped.")
    follow_ups = send_follow_up_reminders(now)
    print(
        f"{follow_ups.sent} adverse-event follow-up reminders sent to staff; "
        f"{follow_ups.no_recipient} without an active recipient."
    )
    return 0


def cmd_signals(args: argparse.Namespace) -> int:
    _django()
    from anagen.safety.detection import job_report, signals_detect_all

    for line in job_report(signals_detect_all()):
        print(line)
    return 0


def cmd_setup_clinic(args: argparse.Namespace) -> int:
    _django()
    from django.core.exceptions import ValidationError

    from anagen.audit.services import Actor
    from anagen.clinics.setup import clinic_setup

    password = os.environ.get("ANAGEN_ADMIN_PASSWORD") or _ask_password()
    try:
        clinic = clinic_setup(
            actor=Actor(user="anagen setup-clinic"),
            name=args.name,
            slug=args.slug,
            admin_email=args.admin_email,
            admin_name=args.admin_name,
            admin_password=password,
        )
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            print(f"{field}: {' '.join(messages)}", file=sys.stderr)
        return 2
    print(f"Clinic {clinic.name} created; {args.admin_email} is its admin.")
    return 0


def _ask_password() -> str:
    import getpass

    return getpass.getpass("Password for the clinic admin: ")


def cmd_manage(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["anagen manage", *args.rest])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="anagen", description="Anagen: practice and decision support for hair-loss clinics."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="load a demo clinic chain into ./data and serve it")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=DEMO_PORT)
    demo.add_argument("--reset", action="store_true", help="delete the demo database first")
    demo.add_argument("--no-serve", action="store_true", help="load the data and exit")
    demo.set_defaults(handler=cmd_demo)

    serve = sub.add_parser("serve", help="serve the web app (waitress)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=DEMO_PORT)
    serve.add_argument("--threads", type=int, default=8)
    serve.set_defaults(handler=cmd_serve)

    sub.add_parser("migrate", help="create or update the database tables").set_defaults(
        handler=cmd_migrate
    )
    check = sub.add_parser("check", help="check the configuration")
    check.add_argument("--deploy", action="store_true", help="include production checks")
    check.set_defaults(handler=cmd_check)

    audit = sub.add_parser("audit", help="audit trail tools")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True, metavar="COMMAND")
    audit_sub.add_parser("verify", help="check the whole hash chain").set_defaults(
        handler=cmd_audit_verify
    )

    sub.add_parser(
        "reminders",
        help="email reminders (with a calendar file) for sessions coming up, and adverse-event "
        "follow-ups due to the staff who recorded them",
    ).set_defaults(handler=cmd_reminders)
    sub.add_parser(
        "signals", help="look for clusters of infections and nodules (the daily signal job)"
    ).set_defaults(handler=cmd_signals)
    setup = sub.add_parser("setup-clinic", help="create a clinic and its first admin")
    setup.add_argument("--name", required=True)
    setup.add_argument("--slug", required=True, help="short id, e.g. 'riga-old-town'")
    setup.add_argument("--admin-email", required=True)
    setup.add_argument("--admin-name", required=True)
    setup.set_defaults(handler=cmd_setup_clinic)

    add_commands(sub)
    add_trichoscopy_commands(sub)

    manage = sub.add_parser("manage", help="run a Django management command")
    manage.add_argument("rest", nargs=argparse.REMAINDER)
    manage.set_defaults(handler=cmd_manage)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        from django.core.exceptions import ImproperlyConfigured

        if isinstance(error, ImproperlyConfigured):
            print(f"anagen: configuration error: {error}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
