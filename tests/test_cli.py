"""The anagen command: demo, audit verify, setup-clinic, and Django loaded only when needed."""

import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ANAGEN = str(Path(sys.executable).with_name("anagen"))


def run(args, tmp_path, **extra):
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith("ANAGEN_") and k != "DATABASE_URL"
    }
    environment |= {"ANAGEN_DATA_DIR": str(tmp_path)} | extra
    return subprocess.run(
        [ANAGEN, *args], env=environment, capture_output=True, text=True, timeout=300, check=False
    )


def count(database, table):
    with sqlite3.connect(database) as db:
        return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


@dataclass
class Demo:
    path: Path  # its data folder
    result: subprocess.CompletedProcess[str]
    configured: Path  # the database DATABASE_URL named while it ran


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo run once for the module (each run migrates and loads both clinics): on a port
    of our choosing, and with DATABASE_URL naming a database it must leave alone."""
    path = tmp_path_factory.mktemp("demo")
    configured = path / "production.sqlite3"
    result = run(
        ["demo", "--no-serve", "--port", "8123"], path, DATABASE_URL=f"sqlite:///{configured}"
    )
    assert result.returncode == 0, result.stderr
    return Demo(path, result, configured)


@pytest.fixture(scope="module")
def demo_dir(demo):
    return demo.path


# 20 patients with a medical history per clinic, and 18 more per clinic in booked courses.
DEMO_PATIENTS = 40 + 2 * 18


def test_demo_loads_two_clinics_a_login_per_role_and_its_patients(demo_dir):
    database = demo_dir / "demo.sqlite3"
    assert count(database, "clinics_clinic") == 2
    assert count(database, "patients_patient") == DEMO_PATIENTS
    assert count(database, "patients_condition") >= 40
    with sqlite3.connect(database) as db:
        roles = db.execute("SELECT clinic_id, role FROM clinics_membership").fetchall()
    for clinic_id in (1, 2):
        assert {r for c, r in roles if c == clinic_id} == {
            "admin",
            "clinician",
            "practitioner",
            "reception",
        }


def test_demo_has_courses_in_every_state_in_both_clinics(demo_dir):
    with sqlite3.connect(demo_dir / "demo.sqlite3") as db:
        bookings = db.execute(
            "SELECT clinic_id, status, COUNT(*) FROM scheduling_booking GROUP BY clinic_id, status"
        ).fetchall()
        courses = {s for (s,) in db.execute("SELECT DISTINCT status FROM scheduling_course")}
        rooms = db.execute("SELECT COUNT(*) FROM scheduling_room").fetchone()[0]
    for clinic_id in (1, 2):
        statuses = {s for c, s, _ in bookings if c == clinic_id}
        assert {"booked", "done", "cancelled", "no_show"} <= statuses
    assert courses == {"active", "completed", "cancelled"}
    assert rooms == 5


def test_demo_prints_the_url_and_the_logins(demo):
    result = demo.result
    assert "http://127.0.0.1:8123/" in result.stdout
    assert "clinician.kensington@example.org" in result.stdout
    assert "reception.manchester@example.org" in result.stdout


def test_running_demo_twice_keeps_the_data_and_reset_starts_over(demo_dir, tmp_path):
    # A copy of the module's demo folder is what a first run leaves.
    shutil.copytree(demo_dir, tmp_path, dirs_exist_ok=True)
    database = tmp_path / "demo.sqlite3"
    with sqlite3.connect(database) as db:
        db.execute("UPDATE patients_patient SET given_name = 'Kept' WHERE number = 'KEN-000001'")
    run(["demo", "--no-serve"], tmp_path)
    assert count(database, "patients_patient") == DEMO_PATIENTS
    with sqlite3.connect(database) as db:
        kept = db.execute("SELECT given_name FROM patients_patient WHERE number = 'KEN-000001'")
        assert kept.fetchone()[0] == "Kept"
    run(["demo", "--no-serve", "--reset"], tmp_path)
    with sqlite3.connect(database) as db:
        fresh = db.execute("SELECT given_name FROM patients_patient WHERE number = 'KEN-000001'")
        assert fresh.fetchone()[0] == "James"


def test_demo_never_touches_the_configured_database(demo):
    assert demo.result.returncode == 0 and not demo.configured.exists()


def test_serve_refuses_a_database_that_was_never_migrated_and_says_what_to_run(tmp_path):
    result = run(["serve", "--port", "8125"], tmp_path)
    assert result.returncode == 2, result.stdout
    assert "anagen migrate" in result.stderr and "Traceback" not in result.stderr
    assert "Serving" not in result.stdout


def test_demo_refuses_to_run_in_production(tmp_path):
    result = run(["demo", "--no-serve"], tmp_path, ANAGEN_ENV="production")
    assert result.returncode == 2 and "refuses" in result.stderr
    assert not (tmp_path / "demo.sqlite3").exists()


def test_audit_verify_passes_on_the_demo_and_fails_after_tampering(demo_dir, tmp_path):
    database = tmp_path / "copy.sqlite3"
    with sqlite3.connect(demo_dir / "demo.sqlite3") as source, sqlite3.connect(database) as copy:
        source.backup(copy)
    url = {"DATABASE_URL": f"sqlite:///{database}"}
    key = (demo_dir / "audit.key").read_text()
    ok = run(["audit", "verify"], demo_dir, **url, ANAGEN_AUDIT_KEY=key)
    assert ok.returncode == 0 and "intact" in ok.stdout
    with sqlite3.connect(database) as db:
        db.execute("UPDATE audit_auditentry SET object_id = 'x' WHERE seq = 7")
    broken = run(["audit", "verify"], demo_dir, **url, ANAGEN_AUDIT_KEY=key)
    assert broken.returncode == 1 and "position 7" in broken.stdout


def test_audit_verify_with_the_wrong_key_fails(demo_dir):
    url = {"DATABASE_URL": f"sqlite:///{demo_dir / 'demo.sqlite3'}"}
    result = run(["audit", "verify"], demo_dir, **url, ANAGEN_AUDIT_KEY="y" * 40)
    assert result.returncode == 1 and "position 1" in result.stdout


def test_setup_clinic_creates_a_clinic_and_reports_bad_input_by_field(tmp_path):
    url = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "ANAGEN_ADMIN_PASSWORD": "a-long-unusual-passphrase",
    }
    assert run(["migrate"], tmp_path, **url).returncode == 0
    args = [
        "setup-clinic",
        "--name",
        "Riga",
        "--slug",
        "riga",
        "--admin-email",
        "boss@example.org",
        "--admin-name",
        "Boss",
    ]
    assert run(args, tmp_path, **url).returncode == 0
    again = run(args, tmp_path, **url)
    assert again.returncode == 2 and again.stderr.startswith("slug:")
    weak_args = [
        "setup-clinic",
        "--name",
        "Tartu",
        "--slug",
        "tartu",
        "--admin-email",
        "new@example.org",
        "--admin-name",
        "New",
    ]
    weak = run(weak_args, tmp_path, **url | {"ANAGEN_ADMIN_PASSWORD": "x"})
    assert weak.returncode == 2 and "password:" in weak.stderr and "Traceback" not in weak.stderr


def test_bad_arguments_exit_2_without_a_traceback(tmp_path):
    result = run(["demo", "--port", "eighty"], tmp_path)
    assert result.returncode == 2 and "--port" in result.stderr and "Traceback" not in result.stderr


def test_the_cli_loads_django_and_the_image_libraries_only_for_commands_that_need_them():
    # The image libraries cost about 5 s of CPU at every start of `anagen`, tests included.
    heavy = ("django", "cv2", "skimage", "sklearn", "skops")
    code = (
        "import sys, anagen.cli; anagen.cli.build_parser(); "
        f"print([m for m in {heavy!r} if m in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
