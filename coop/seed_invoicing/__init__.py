"""The cooperative's invoicing in the demo and load-test data sets (a `manage.py seed`
step): its legal identity, members' own contribution rates, quotes, invoices, credit
notes, payments, recovery actions, and the expenses charged to the entrepreneurs'
accounts (supplier invoices, expense reports, the monthly salary cost).

The demo goes through the services, as people would. Quotes are sent (numbered, their
PDF rendered and e-mailed) and answered; validated sessions become invoices that the
coordinator or the accountant issues with `coop.billing.invoice_issue` — number, frozen
seller and client, Factur-X PDF and its SHA-256 — in the order of their dates, as the
service requires; payments go into the journal; an overdue invoice gets its reminder; a
wrong invoice is cancelled by a credit note and made again. The services stamp "now" on a
few instants of their own (when an invoice was issued or a payment recorded, in
`issued_at` and `recorded_at`): every date a document prints (issue, due, service,
payment) is the history's. The e-mails this history sent are kept as delivered on their
day (without their content, as delivery leaves them), never sent again.

The large size (DESIGN.md's scale: about 200,000 invoices over ten years, on the
validated sessions of the activities step) writes the rows the services would write, in
bulk, a batch at a time. It renders no PDF: a Factur-X PDF takes about half a second, so
200,000 of them would take more than a day. Its invoices are issued without a file —
`pdf` is empty and `pdf_sha256` is the SHA-256 of zero bytes (e3b0c442…), the well-known
fingerprint of nothing, so that no seeded fingerprint pretends to stand for a document;
the download view answers 404 for them. Everything else is what issuing writes: numbers
continuous per series and year in the order of the issue dates, the seller's and the
client's details frozen, the VAT breakdown, the contribution rate of the day. An invoice
goes in as the service writes it: inserted as a draft with its lines, then turned issued
by one UPDATE; from then on the database triggers (migration coop.0005) refuse any change,
as they do after the service.

`demo` plays the demo, `large` writes the large size, `common` holds what both share.
Everything comes from the `rng` and `faker` given, and dates are counted from today: the
same seed gives the same data."""

import random
from collections import defaultdict
from decimal import Decimal

from django.db import models
from django.utils import timezone
from faker import Faker

from coop.enums import LegalForm
from coop.models import ContributionRate, CooperativeProfile
from coop.seed import luhn_key
from coop.seed_invoicing.common import NO_FILE_SHA256, days_between
from coop.seed_invoicing.demo import Demo
from coop.seed_invoicing.large import Large
from members.dates import add_months
from members.enums import ContractKind, Role
from members.models import Contract, Member
from members.seed import DEMO_LOGINS

__all__ = ["NO_FILE_SHA256", "french_iban", "french_vat_number", "seed_invoicing"]

# --- The cooperative -------------------------------------------------------------------
#
# A fictional SCIC SAS in Lyon. Its SIREN and SIRET carry valid Luhn keys, its VAT number
# the key computed from the SIREN, its IBAN valid RIB and IBAN keys: every check a form
# or an e-invoicing platform runs passes, and none of them is a real company's.

SIREN_BODY = "84217390"
HEAD_OFFICE_NIC = "0002"
BANK_CODE, BRANCH_CODE, ACCOUNT_NUMBER = "42559", "10000", "08024731596"
BIC = "CCOPFRPPXXX"

# Members with a rate of their own: (rate, reason, months it lasts or None).
OWN_RATES = (
    (Decimal("8.00"), "Taux d'amorçage la première année de CESA (conseil de gestion)", 12),
    (Decimal("12.00"), "Accompagnement renforcé sur un projet de formation", 18),
    (Decimal("7.00"), "Taux voté en assemblée générale pour les associé·es", None),
)
LARGE_OWN_RATE_SHARE = 0.03


def seed_invoicing(*, rng: random.Random, faker: Faker, size: str, scale: float = 1.0) -> None:
    """The cooperative's profile, a few members' own contribution rates, and their
    invoicing: in the demo through the services (PDFs rendered), in the large size as
    plain rows in bulk (no PDF). `scale` shrinks the large size, as in the other steps."""
    profile = _profile()
    profile.full_clean()
    profile.save()
    own_rates = _own_rates(rng, size=size, scale=scale)
    if size == "demo":
        Demo(rng, profile).run()
    else:
        Large(rng, profile, own_rates).run()


def _profile() -> CooperativeProfile:
    siren = SIREN_BODY + luhn_key(SIREN_BODY)
    siret = siren + HEAD_OFFICE_NIC + luhn_key(siren + HEAD_OFFICE_NIC)
    return CooperativeProfile(
        pk=1,
        name="Entrepairs",
        legal_form=LegalForm.SCIC_SAS,
        share_capital=Decimal("18400.00"),
        variable_capital=True,
        siren=siren,
        siret=siret,
        rcs=f"RCS Lyon {siren[:3]} {siren[3:6]} {siren[6:]}",
        vat_number=french_vat_number(siren),
        ape_code="7022Z",
        address="41 rue Paul-Bert",
        postcode="69003",
        commune="Lyon",
        email="facturation@entrepairs.example",
        phone="04 65 71 20 26",
        iban=french_iban(BANK_CODE, BRANCH_CODE, ACCOUNT_NUMBER),
        bic=BIC,
        payment_terms_days=30,
        late_penalty_rate=Decimal("12.00"),
        contribution_rate=Decimal("10.00"),
        sap_declaration=f"SAP{siren}",
        reminder_days="7,30",
    )


def french_vat_number(siren: str) -> str:
    """FR, the two-digit key (12 + 3 × (SIREN mod 97)) mod 97, then the SIREN."""
    return f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"


def french_iban(bank: str, branch: str, account: str) -> str:
    """A French IBAN from a numeric RIB: the RIB key, then the IBAN's mod-97 key."""
    rib_key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97
    bban = f"{bank}{branch}{account}{rib_key:02d}"
    check = 98 - int(bban + "152700") % 97  # "FR00" moved to the end, F=15, R=27
    return f"FR{check:02d}{bban}"


def _own_rates(rng: random.Random, *, size: str, scale: float) -> dict[int, list]:
    """Members whose contribution rate differs for a while: a reduced first CESA year, a
    reinforced accompaniment, an associate's rate voted in general assembly. Returns
    {member id: [(starts_on, ends_on, rate), ...]}."""
    today = timezone.localdate()
    cesa = dict(
        Contract.objects.filter(kind=ContractKind.CESA)
        .values("member")
        .annotate(first=models.Min("start_date"))
        .values_list("member", "first")
    )
    candidates = sorted(member for member, first in cesa.items() if first <= today)
    if not candidates:
        return {}
    demo_member = (
        Member.objects.filter(user__email=DEMO_LOGINS[Role.ENTREPRENEUR])
        .values_list("pk", flat=True)
        .first()
    )
    if size == "demo":
        others = [member for member in candidates if member != demo_member]
        chosen = rng.sample(others, min(len(OWN_RATES) - 1, len(others)))
        if demo_member in cesa:
            chosen.insert(0, demo_member)
    else:
        count = max(len(OWN_RATES), round(len(candidates) * LARGE_OWN_RATE_SHARE * scale))
        chosen = rng.sample(candidates, min(count, len(candidates)))
    rates, rows = defaultdict(list), []
    for index, member in enumerate(chosen):
        rate, reason, months = OWN_RATES[index % len(OWN_RATES)]
        starts_on = cesa[member] if months == 12 else cesa[member] + days_between(rng, 30, 400)
        starts_on = min(starts_on, today)
        ends_on = (
            None if months is None else add_months(starts_on, months) - days_between(rng, 1, 1)
        )
        rows.append(
            ContributionRate(
                member_id=member, rate=rate, starts_on=starts_on, ends_on=ends_on, reason=reason
            )
        )
        rates[member].append((starts_on, ends_on, rate))
    ContributionRate.objects.bulk_create(rows)
    return dict(rates)
