"""The demo clinic chain: two clinics, one login per role in each, 40 patients with histories.

Everything is written through the same services as the web app, so the demo data is validated
and audited like real data. Loading twice changes nothing; `anagen demo --reset` starts over.
"""

import datetime
import unicodedata
import zlib
from dataclasses import dataclass

from django.db import transaction

from anagen.accounts.models import User
from anagen.accounts.services import staff_create
from anagen.audit.services import Actor
from anagen.clinics.models import Clinic
from anagen.clinics.roles import Role
from anagen.clinics.setup import clinic_setup
from anagen.demo.outcomes import demo_outcomes
from anagen.demo.scheduling import demo_schedule
from anagen.demo.sessions import demo_sessions
from anagen.patients import services
from anagen.safety.detection import signals_detect_all

DEMO_PASSWORD = "demo-pass-2026"
DEMO_ACTOR = Actor(user="anagen demo")
CLINICS = (
    ("kensington", "Northlight Hair Clinic Kensington", "12 Abingdon Road, London W8 6AF"),
    ("manchester", "Northlight Hair Clinic Manchester", "40 King Street, Manchester M2 6BA"),
)
STAFF = {
    "kensington": (
        (Role.ADMIN, "Priya Raman"),
        (Role.CLINICIAN, "Dr Helen Okafor"),
        (Role.PRACTITIONER, "Tomasz Nowak"),
        (Role.RECEPTION, "Amira Haddad"),
    ),
    "manchester": (
        (Role.ADMIN, "Gareth Lloyd"),
        (Role.CLINICIAN, "Dr Sanjay Mehta"),
        (Role.PRACTITIONER, "Chloe Brennan"),
        (Role.RECEPTION, "Liam Doyle"),
    ),
}


@dataclass(frozen=True)
class DemoPatient:
    given: str
    family: str
    born: str
    sex: str
    language: str = "en"
    conditions: tuple[tuple[str, str, str], ...] = ()  # (ICD-10, status, onset)
    # (ATC, dose, started[, name when the ATC code is a group rather than one substance])
    medications: tuple[tuple[str, ...], ...] = ()
    allergies: tuple[tuple[str, str, str, str], ...] = ()  # (substance, ATC, reaction, severity)


def P(given: str, family: str, born: str, sex: str, **kw: object) -> DemoPatient:
    return DemoPatient(given, family, born, sex, **kw)  # type: ignore[arg-type]


AGA = ("L64.9", "active", "")
PATIENTS: dict[str, tuple[DemoPatient, ...]] = {
    "kensington": (
        P(
            "James",
            "Whitfield",
            "1988-03-14",
            "male",
            conditions=(AGA,),
            medications=(("G04CB01", "1 mg daily", "2025-06-01"),),
        ),
        P(
            "Sophie",
            "Marchetti",
            "1979-11-02",
            "female",
            language="it",
            conditions=(("L65.0", "active", "2026-07-01"), ("E03", "active", "2019-01-01")),
            medications=(("H03AA01", "75 µg daily", "2019-02-01"),),
        ),
        P("Oliver", "Bennett", "1995-07-21", "male", conditions=(AGA,)),
        P(
            "Aisha",
            "Rahman",
            "1991-05-30",
            "female",
            language="ar",
            conditions=(("L65.0", "active", "2026-05-15"),),
            allergies=(("Lidocaine", "N01BB02", "Urticaria after dental block", "moderate"),),
        ),
        P(
            "Daniel",
            "Kowalski",
            "1983-09-09",
            "male",
            language="pl",
            conditions=(AGA, ("I48", "active", "2022-04-01")),
            medications=(("B01AF02", "5 mg twice daily", "2022-04-10"),),
        ),
        P(
            "Emma",
            "Clarke",
            "1986-12-17",
            "female",
            conditions=(("L64.9", "active", "2024-01-01"), ("E28.2", "active", "2015-06-01")),
            medications=(("G03HA01", "2 mg daily", "2023-03-01"),),
        ),
        P(
            "Mohammed",
            "Al-Sayed",
            "1990-02-08",
            "male",
            language="ar",
            conditions=(AGA,),
            medications=(("D11AX01", "5 % foam twice daily", "2025-11-01"),),
        ),
        P(
            "Charlotte",
            "Evans",
            "1972-06-25",
            "female",
            conditions=(("L64.9", "active", "2021-01-01"), ("E11", "active", "2018-01-01")),
            medications=(("A10BA02", "1 g twice daily", "2018-02-01"),),
        ),
        P(
            "Lucas",
            "Fernández",
            "1999-10-12",
            "male",
            language="es",
            conditions=(("L63.9", "active", "2026-09-01"),),
        ),
        P(
            "Grace",
            "Thompson",
            "1968-04-03",
            "female",
            conditions=(("L64.9", "active", "2020-01-01"), ("I10", "active", "2016-01-01")),
            medications=(("C09", "10 mg daily", "2016-03-01", "lisinopril"),),
        ),
        P(
            "Hiroshi",
            "Tanaka",
            "1981-08-19",
            "male",
            language="en",
            conditions=(AGA,),
            allergies=(("Penicillin", "", "Rash", "mild"),),
        ),
        P(
            "Isabella",
            "Rossi",
            "1993-01-27",
            "female",
            language="it",
            conditions=(("L40.0", "active", "2012-01-01"),),
        ),
        P(
            "Ethan",
            "Walsh",
            "2001-03-05",
            "male",
            conditions=(AGA,),
            medications=(("D10BA01", "20 mg daily", "2026-08-01"),),
        ),
        P(
            "Fatima",
            "Noor",
            "1984-07-14",
            "female",
            language="ar",
            conditions=(("L65.0", "resolved", "2024-02-01"), ("D50", "active", "2026-03-01")),
            medications=(("B03AA07", "200 mg daily", "2026-03-15"),),
        ),
        P(
            "William",
            "Hughes",
            "1976-11-30",
            "male",
            conditions=(AGA, ("I25", "active", "2021-05-01")),
            medications=(
                ("B01AC06", "75 mg daily", "2021-05-10"),
                ("C07AB07", "2.5 mg daily", "2021-05-10"),
            ),
        ),
        P("Mia", "Schneider", "1997-09-22", "female", language="de", conditions=(AGA,)),
        P("Noah", "Adeyemi", "1992-12-01", "male", conditions=(("L66.1", "active", "2025-01-01"),)),
        P(
            "Olivia",
            "Martin",
            "1989-05-11",
            "female",
            language="fr",
            conditions=(("L65.0", "active", "2026-08-10"),),
            allergies=(("Propylene glycol", "", "Contact dermatitis", "mild"),),
        ),
        P(
            "Jack",
            "Turner",
            "1985-02-16",
            "male",
            conditions=(AGA,),
            medications=(("G04CB02", "0.5 mg daily", "2024-09-01"),),
        ),
        P(
            "Zara",
            "Ahmed",
            "1980-10-07",
            "female",
            conditions=(("L64.9", "active", "2022-01-01"), ("D68.0", "active", "2000-01-01")),
        ),
    ),
    "manchester": (
        P("Harry", "Robinson", "1987-04-18", "male", conditions=(AGA,)),
        P(
            "Amelia",
            "Wright",
            "1975-08-09",
            "female",
            conditions=(("L64.9", "active", "2023-01-01"),),
            medications=(("C03DA01", "100 mg daily", "2024-01-15"),),
        ),
        P(
            "George",
            "Patel",
            "1994-06-02",
            "male",
            conditions=(AGA,),
            medications=(("G04CB01", "1 mg daily", "2026-01-10"),),
        ),
        P(
            "Ava",
            "O'Brien",
            "1990-03-23",
            "female",
            conditions=(("L65.0", "active", "2026-06-01"),),
            allergies=(),
        ),
        P(
            "Jacob",
            "Murphy",
            "1982-12-29",
            "male",
            conditions=(AGA, ("E10", "active", "1999-01-01")),
            medications=(
                ("A10A", "basal-bolus", "1999-02-01", "insulin glargine and insulin aspart"),
            ),
        ),
        P(
            "Lily",
            "Campbell",
            "1996-11-15",
            "female",
            conditions=(("L63.9", "active", "2026-10-01"),),
        ),
        P(
            "Thomas",
            "Ward",
            "1970-01-04",
            "male",
            conditions=(AGA, ("I50", "active", "2023-09-01")),
            medications=(("C07", "6.25 mg twice daily", "2023-09-10", "carvedilol"),),
        ),
        P(
            "Freya",
            "Jenkins",
            "1988-07-28",
            "female",
            conditions=(("L64.9", "active", "2021-06-01"),),
            allergies=(("Minoxidil", "D11AX01", "Scalp itching and redness", "mild"),),
        ),
        P("Arjun", "Sharma", "1993-02-11", "male", conditions=(AGA,)),
        P(
            "Ella",
            "Davies",
            "1985-09-03",
            "female",
            conditions=(("L65.0", "active", "2026-09-15"), ("E05", "active", "2026-08-01")),
        ),
        P(
            "Samuel",
            "Green",
            "1979-05-17",
            "male",
            conditions=(AGA, ("B20", "active", "2010-01-01")),
        ),
        P(
            "Poppy",
            "Hall",
            "1998-12-06",
            "female",
            language="en",
            conditions=(("L64.9", "active", "2025-02-01"),),
        ),
        P(
            "Reuben",
            "Cohen",
            "1984-10-21",
            "male",
            conditions=(AGA,),
            medications=(("B01AA03", "dose per INR clinic", "2020-06-01"),),
        ),
        P(
            "Isla",
            "MacDonald",
            "1991-04-09",
            "female",
            conditions=(("L21.0", "active", "2018-01-01"),),
        ),
        P("Dmytro", "Shevchenko", "1986-01-13", "male", language="uk", conditions=(AGA,)),
        P(
            "Maryam",
            "Hussain",
            "1983-06-20",
            "female",
            language="ar",
            conditions=(("L64.9", "active", "2022-05-01"), ("C50", "resolved", "2019-03-01")),
        ),
        P("Connor", "Byrne", "2000-08-31", "male", conditions=(AGA,)),
        P(
            "Elena",
            "Popescu",
            "1977-03-26",
            "female",
            language="en",
            conditions=(("L65.0", "active", "2026-04-01"),),
            medications=(("H02AB06", "10 mg daily", "2026-09-01"),),
        ),
        P("Kwame", "Mensah", "1989-11-08", "male", conditions=(("L66.2", "active", "2024-06-01"),)),
        P(
            "Rosie",
            "Fletcher",
            "1994-02-14",
            "female",
            conditions=(("L64.9", "active", "2024-11-01"),),
            allergies=(("Benzyl alcohol", "", "Swelling at injection site", "moderate"),),
        ),
    ),
}


def _date(text: str) -> datetime.date | None:
    return datetime.date.fromisoformat(text) if text else None


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in folded if c.isalnum() or c in ".-")


def _email(slug: str, role: str) -> str:
    return f"{role}.{slug}@example.org"


def _clinic_with_staff(slug: str, name: str, address: str) -> tuple[Clinic, dict[str, User]]:
    """The clinic, its admin and the other three roles, through the same services as the app."""
    (admin_role, admin_name), *others = STAFF[slug]
    clinic = clinic_setup(
        actor=DEMO_ACTOR,
        name=name,
        slug=slug,
        address=address,
        phone="+44 20 7946 0000",
        admin_email=_email(slug, admin_role),
        admin_name=admin_name,
        admin_password=DEMO_PASSWORD,
    )
    admin = User.objects.get(email=_email(slug, admin_role))
    users: dict[str, User] = {admin_role: admin}
    for role, full_name in others:
        membership = staff_create(
            actor=Actor(user=admin, ip_address="127.0.0.1"),
            clinic=clinic,
            email=_email(slug, role),
            full_name=full_name,
            role=role,
            password=DEMO_PASSWORD,
        )
        users[role] = membership.user
    return clinic, users


def _patient(actor: Actor, clinic: Clinic, spec: DemoPatient) -> None:
    data = {
        "given_name": spec.given,
        "family_name": spec.family,
        "date_of_birth": _date(spec.born),
        "sex_at_birth": spec.sex,
        "email": _ascii(f"{spec.given}.{spec.family}").lower() + "@example.net",
        "phone": f"+44 7700 9{zlib.crc32(spec.family.encode()) % 100000:05d}",
        "preferred_language": spec.language,
    }
    patient = services.patient_create(actor=actor, clinic=clinic, data=data)
    for code, status, onset in spec.conditions:
        services.condition_add(
            actor=actor,
            patient=patient,
            data={"code": code, "status": status, "onset_date": _date(onset)},
        )
    for atc, dose, started, *name in spec.medications:
        services.medication_add(
            actor=actor,
            patient=patient,
            data={
                "atc_code": atc,
                "dose": dose,
                "started_on": _date(started),
                "name": name[0] if name else "",
            },
        )
    for substance, atc, reaction, severity in spec.allergies:
        services.allergy_add(
            actor=actor,
            patient=patient,
            data={
                "substance": substance,
                "atc_code": atc,
                "reaction": reaction,
                "severity": severity,
            },
        )


@transaction.atomic
def demo_load() -> list[tuple[str, str, str]]:
    """Create the demo chain unless it exists; return (clinic, role, email) for each login."""
    if not Clinic.objects.filter(slug=CLINICS[0][0]).exists():
        for offset, (slug, name, address) in enumerate(CLINICS):
            clinic, users = _clinic_with_staff(slug, name, address)
            actor = Actor(user=users[Role.CLINICIAN], ip_address="127.0.0.1")
            for spec in PATIENTS[slug]:
                _patient(actor, clinic, spec)
            demo_schedule(clinic, users, rooms=3 - offset, offset=offset)
            demo_sessions(clinic, users, cluster=offset == 0)
            if offset == 0:
                demo_outcomes(clinic, users)
        # The daily safety job, as it would have run overnight.
        signals_detect_all()
        manchester_admin = User.objects.get(email=_email("manchester", Role.ADMIN))
        # The chain's admin also manages the second clinic, to show the clinic switcher.
        staff_create(
            actor=Actor(user=manchester_admin, ip_address="127.0.0.1"),
            clinic=Clinic.objects.get(slug="manchester"),
            email=_email("kensington", Role.ADMIN),
            full_name="",
            role=Role.ADMIN,
            password="",
        )
    return [
        (clinic.name, role, _email(slug, role))
        for slug, clinic in ((s, Clinic.objects.get(slug=s)) for s, _, _ in CLINICS)
        for role, _ in STAFF[slug]
    ]
