"""No practitioner, room or patient in two sessions at once, enforced by the database.

PostgreSQL: exclusion constraints over ``tstzrange(start, end)`` (btree_gist for the ``=`` part).
SQLite: triggers that abort the insert or update; SQLite admits one writer at a time (the project
opens IMMEDIATE transactions), so the check and the write cannot interleave with another writer.
Both count only the statuses that hold time (``booked``, ``done``: models.HOLDING).
"""

from django.db import migrations

KEYS = ("practitioner_id", "room_id", "patient_id")
HOLDING = "('booked', 'done')"

PG_UP = ["CREATE EXTENSION IF NOT EXISTS btree_gist"] + [
    f"""ALTER TABLE scheduling_booking ADD CONSTRAINT booking_no_overlap_{key[:-3]}
        EXCLUDE USING gist ({key} WITH =, tstzrange("start", "end") WITH &&)
        WHERE (status IN {HOLDING})"""
    for key in KEYS
]
PG_DOWN = [
    f"ALTER TABLE scheduling_booking DROP CONSTRAINT booking_no_overlap_{key[:-3]}" for key in KEYS
]


def _sqlite_trigger(event: str, key: str) -> str:
    name = f"booking_no_overlap_{key[:-3]}_{event.split()[0].lower()}"
    return f"""CREATE TRIGGER {name} BEFORE {event} ON scheduling_booking
        WHEN NEW.status IN {HOLDING}
        BEGIN
            SELECT RAISE(ABORT, 'booking_no_overlap_{key[:-3]}')
            WHERE EXISTS (
                SELECT 1 FROM scheduling_booking AS b
                WHERE b.id != NEW.id AND b.status IN {HOLDING} AND b.{key} = NEW.{key}
                  AND b."start" < NEW."end" AND NEW."start" < b."end"
            );
        END"""


EVENTS = ("INSERT", 'UPDATE OF status, "start", "end", practitioner_id, room_id, patient_id')
SQLITE_UP = [_sqlite_trigger(event, key) for key in KEYS for event in EVENTS]
SQLITE_DOWN = [
    f"DROP TRIGGER booking_no_overlap_{key[:-3]}_{event.split()[0].lower()}"
    for key in KEYS
    for event in EVENTS
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": PG_DOWN, "sqlite": SQLITE_DOWN}),
        )
    ]
