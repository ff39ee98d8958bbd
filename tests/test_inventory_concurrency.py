"""No lot is used beyond its stock, nor after a recall, whatever signs at once: ten sessions, each
in its own thread and database connection, take a unit of a lot that holds three. Exactly three
get one; the others are told the lot is empty, and the movements explain the count.

Runs on PostgreSQL (real row locks). The SQLite test database is an in-memory shared cache whose
table locks fail at once instead of waiting, which no deployment uses.
"""

import threading
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from anagen.audit.services import Actor
from anagen.inventory import services
from anagen.inventory.models import Lot, MovementKind, StockMovement
from tests.conftest import build_three
from tests.scheduling_helpers import book, new_plan, session, set_up
from tests.test_inventory_services import new_product, open_session, receive

THREADS = 10
STOCK = 3


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs a database with real concurrent connections"
)
@pytest.mark.django_db(transaction=True)
def test_ten_sessions_signing_at_once_take_only_the_three_units_there_are() -> None:
    three = build_three()
    course = book(set_up(three), new_plan(three))
    treatments = [open_session(session(course, n)) for n in range(1, THREADS + 1)]
    lot = receive(three, new_product(three), units=STOCK)
    outcomes: list[str] = []
    barrier = threading.Barrier(THREADS)

    def consume(treatment: Any) -> None:
        try:
            mine = Lot.objects.for_clinic(three.clinic_a).get(pk=lot.pk)
            barrier.wait()
            services.lot_consume(
                actor=Actor(user=three.a_clinician), lot=mine, units=1, session=treatment
            )
            outcomes.append("used")
        except ValidationError as error:
            outcomes.append("refused: " + " ".join(error.message_dict["lots"]))
        except Exception as error:  # noqa: BLE001 (a server error is what this test catches)
            outcomes.append(f"error: {type(error).__name__}: {error}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=consume, args=(t,)) for t in treatments]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert outcomes.count("used") == STOCK, outcomes
    refused = [o for o in outcomes if o.startswith("refused: ")]
    assert len(refused) == THREADS - STOCK, outcomes
    assert all("no stock left" in o for o in refused), refused
    lot.refresh_from_db()
    assert lot.quantity == 0
    uses = StockMovement.objects.for_clinic(three.clinic_a).filter(kind=MovementKind.USE)
    assert uses.count() == STOCK
