"""What the demo and the large size of the invoicing seed share: delays, reasons,
suppliers, and small helpers for dates and payments."""

import datetime
import hashlib
import random
from decimal import Decimal

from django.utils import timezone

from coop.enums import ClientKind, PaymentMethod

# The SHA-256 of zero bytes: the large size's invoices have no PDF (see coop.seed_invoicing).
NO_FILE_SHA256 = hashlib.sha256(b"").hexdigest()

ISSUE_DELAY_DAYS = (2, 12)  # after the last session of the period, and its validation
PAYMENT_DELAY_DAYS = (8, 50)
SALARY_SHARE = Decimal("0.55")  # of the month's revenue excluding VAT, as employer cost
WRONG_INVOICE_REASON = (
    "Facture adressée au mauvais service du client : annulée, une facture corrigée suit."
)
SHORTENED_SESSION_REASON = "Geste commercial : séance écourtée à la demande du client."

SUPPLIERS = (
    # (supplier, what, VAT rate, net range in euros)
    ("Imprimerie coopérative des Pentes", "Livrets et affiches de prévention", "20", (60, 420)),
    ("Papeterie Saint-Jean", "Fournitures d'animation (feutres, paperboard)", "20", (25, 140)),
    (
        "Mutuelle des entrepreneurs solidaires",
        "Responsabilité civile professionnelle, quote-part annuelle",
        "0",
        (110, 260),
    ),
    ("Atelier numérique Croix-Rousse", "Réparation du téléphone professionnel", "20", (45, 160)),
    ("Jardinerie du Grand Parc", "Graines, terreau et petit outillage", "10", (30, 220)),
)
EXPENSE_REPORTS = (
    # (what, VAT rate, net range) — advanced by the entrepreneur, reimbursed later.
    ("Billet de train aller-retour pour une formation", "10", (38, 120)),
    ("Repas de travail avec un partenaire", "10", (14, 40)),
    ("Stationnement lors d'une intervention", "20", (4, 18)),
)


# --- Dates -------------------------------------------------------------------------------


def days_between(rng: random.Random, low: int, high: int) -> datetime.timedelta:
    return datetime.timedelta(days=rng.randint(low, high))


def month_end(day: datetime.date) -> datetime.date:
    following = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    """That time of the day in the cooperative's time zone (what `make_aware` gives, at a
    fraction of its cost: the large size calls this a million times), or now if that is
    still to come: the history never records anything in the future."""
    zone = timezone.get_default_timezone()
    moment = datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=zone)
    return min(moment, timezone.now())


def payment_method(rng: random.Random, client_kind: str, is_public: bool) -> str:
    if is_public:
        return PaymentMethod.TRANSFER
    if client_kind == ClientKind.INDIVIDUAL:
        return rng.choice(
            [PaymentMethod.CHEQUE, PaymentMethod.TRANSFER, PaymentMethod.CESU, PaymentMethod.CARD]
        )
    return PaymentMethod.TRANSFER if rng.random() < 0.85 else PaymentMethod.CHEQUE


def payment_reference(rng: random.Random, method: str, number: str) -> str:
    if method == PaymentMethod.CHEQUE:
        return f"Chèque n° {rng.randint(1000000, 9999999)}"
    if method == PaymentMethod.CESU:
        return f"CESU {rng.randint(10000000, 99999999)}"
    if method == PaymentMethod.CARD:
        return f"TPE {rng.randint(100000, 999999)}"
    return f"VIR {number}"


def first_instalment(rng: random.Random, gross: Decimal) -> Decimal:
    """A first instalment: 30 to 70 % of what is owed, in whole euros."""
    return max(Decimal("1.00"), Decimal(int(gross * Decimal(rng.randint(30, 70)) / 100)))


MONTH_NAMES = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def month_name(month: datetime.date) -> str:
    return MONTH_NAMES[month.month - 1]
