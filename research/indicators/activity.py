"""Indicators of the activity (revenue, contribution, hours) and of the prevention
actions (sessions, hours, people reached). Sums: each cell knows which entrepreneurs
contributed to it, so that disclosure control can count them and spot a dominant one."""

from decimal import Decimal

from django.db.models import F, Value
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from activities.enums import AudienceKind, MissionKind, SessionStatus, Theme
from activities.models import Session, SessionAudience
from coop.models import Invoice
from coop.treasury import (
    counted_payments,
    invoiced_net_expression,
    payment_contribution_expression,
    payment_net_expression,
)
from research.indicators.base import Cell, Dimension, Indicator, Measure, Scope, Table, Unit
from research.indicators.dimensions import DEPARTMENT, GENDER, MONTH, department_of
from research.indicators.path import Breakdown, MonthKey, breakdown_table, scope_activity
from research.indicators.registry import register

# The missions whose sessions are prevention actions: workshops, training of
# professionals and awareness of care teams. Peer mediation accompanies people one by
# one: its hours count in `hours_delivered`, not here.
PREVENTION_KINDS = (
    MissionKind.PREVENTION_WORKSHOP,
    MissionKind.PROFESSIONAL_TRAINING,
    MissionKind.CARE_TEAM_AWARENESS,
)

MISSION_KIND = Dimension(
    "activity",
    _("Type de mission"),
    (*MissionKind.choices, ("", _("Sans mission rattachée"))),
)
AUDIENCE = Dimension("audience", _("Public"), tuple(AudienceKind.choices))
THEME = Dimension("theme", _("Thème"), tuple(Theme.choices))

CONSENT_NOTE = _(
    "Les chiffres couvrent les entrepreneur·es dont le consentement à la recherche-action "
    "est en vigueur : l'activité des autres n'est dans aucun total."
)


def _definition(*parts) -> Promise:
    """A definition made of translated sentences, joined when it is displayed."""
    return format_lazy(" ".join("{}" for _part in parts), *parts)


def _hours(cell: Cell) -> Cell:
    """A sum of minutes as hours, to the hundredth."""
    hours = (cell.value / 60).quantize(Decimal("0.01"))
    return Cell(value=hours, people=cell.people, top_share=cell.top_share)


# --- revenue_invoiced ---------------------------------------------------------------------


def _revenue_invoiced(scope: Scope, rows: str | None, cols: str | None) -> Table:
    documents = Invoice.objects.issued().filter(
        issued_on__gte=scope.start, issued_on__lte=scope.end
    )
    documents = scope_activity(
        documents,
        scope,
        entrepreneur="entrepreneur",
        mission="mission",
        department=department_of("client__postcode"),
    )
    breakdowns = {
        "activity": Breakdown(MISSION_KIND, "mission__kind"),
        "department": Breakdown(DEPARTMENT, department_of("client__postcode")),
        "month": Breakdown(MONTH, MonthKey("issued_on")),
    }
    return breakdown_table(
        "revenue_invoiced",
        Measure.SUM,
        documents,
        breakdowns,
        rows,
        cols,
        scope=scope,
        person="entrepreneur",
        value=invoiced_net_expression(),
    )


register(
    Indicator(
        code="revenue_invoiced",
        label=_("Chiffre d'affaires facturé"),
        definition=_definition(
            _(
                "Somme hors taxes des factures émises pendant la période (date d'émission), moins "
                "les avoirs émis pendant la période. Le département est celui du client ; le type "
                "de mission, celui de la mission facturée. Pour un programme : les factures de ses "
                "missions."
            ),
            CONSENT_NOTE,
        ),
        unit=Unit.EUROS,
        measure=Measure.SUM,
        section="activity",
        dimensions=("activity", "department", "month"),
        compute=_revenue_invoiced,
    )
)


# --- revenue_collected and contribution ---------------------------------------------------


def _payments(scope: Scope):
    payments = counted_payments().filter(paid_on__gte=scope.start, paid_on__lte=scope.end)
    return scope_activity(
        payments,
        scope,
        entrepreneur="invoice__entrepreneur",
        mission="invoice__mission",
        department=department_of("invoice__client__postcode"),
    )


PAYMENT_BREAKDOWNS = {
    "activity": Breakdown(MISSION_KIND, "invoice__mission__kind"),
    "month": Breakdown(MONTH, MonthKey("paid_on")),
}


def _revenue_collected(scope: Scope, rows: str | None, cols: str | None) -> Table:
    return breakdown_table(
        "revenue_collected",
        Measure.SUM,
        _payments(scope),
        PAYMENT_BREAKDOWNS,
        rows,
        cols,
        scope=scope,
        person="invoice__entrepreneur",
        value=payment_net_expression(),
    )


register(
    Indicator(
        code="revenue_collected",
        label=_("Chiffre d'affaires encaissé"),
        definition=_definition(
            _(
                "Somme hors taxes des paiements reçus pendant la période (date du paiement) : la "
                "part hors taxes de chaque paiement, comme dans les comptes des entrepreneur·es ; "
                "les annulations d'écritures et les remboursements sur avoir viennent en moins. "
                "Pour un programme : les paiements des factures de ses missions."
            ),
            CONSENT_NOTE,
        ),
        unit=Unit.EUROS,
        measure=Measure.SUM,
        section="activity",
        dimensions=("activity", "month"),
        compute=_revenue_collected,
    )
)


def _contribution(scope: Scope, rows: str | None, cols: str | None) -> Table:
    return breakdown_table(
        "contribution",
        Measure.SUM,
        _payments(scope),
        PAYMENT_BREAKDOWNS,
        rows,
        cols,
        scope=scope,
        person="invoice__entrepreneur",
        value=payment_contribution_expression(),
    )


register(
    Indicator(
        code="contribution",
        label=_("Contribution coopérative"),
        definition=_definition(
            _(
                "Contribution versée à la coopérative sur le chiffre d'affaires encaissé pendant "
                "la période, comme la coopérative la prélève : la part hors taxes de chaque "
                "paiement reçu, au taux fixé sur la facture lors de son émission, arrondie au "
                "centime ; annulations et remboursements sur avoir viennent en moins. Pour un "
                "programme : les paiements des factures de ses missions."
            ),
            CONSENT_NOTE,
        ),
        unit=Unit.EUROS,
        measure=Measure.SUM,
        section="activity",
        dimensions=("activity", "month"),
        compute=_contribution,
    )
)


# --- hours_delivered ----------------------------------------------------------------------


def _validated_sessions(scope: Scope):
    sessions = Session.objects.filter(
        status=SessionStatus.VALIDATED, date__gte=scope.start, date__lte=scope.end
    )
    return scope_activity(
        sessions, scope, entrepreneur="entrepreneur", mission="mission", department="department"
    )


def _hours_delivered(scope: Scope, rows: str | None, cols: str | None) -> Table:
    breakdowns = {
        "activity": Breakdown(MISSION_KIND, "mission__kind"),
        "department": Breakdown(DEPARTMENT, "department"),
        "month": Breakdown(MONTH, MonthKey("date")),
        "gender": Breakdown(GENDER, "entrepreneur__gender"),
    }
    return breakdown_table(
        "hours_delivered",
        Measure.SUM,
        _validated_sessions(scope),
        breakdowns,
        rows,
        cols,
        scope=scope,
        person="entrepreneur",
        value=F("duration_minutes"),
        places=0,
        scale=_hours,
    )


register(
    Indicator(
        code="hours_delivered",
        label=_("Heures d'intervention"),
        definition=_definition(
            _(
                "Durée totale, en heures, des séances validées par l'équipe qui ont eu lieu "
                "pendant la période, toutes missions confondues. Le département est celui du lieu "
                "de la séance (non renseigné à distance) ; le genre, celui de l'entrepreneur·e. "
                "Pour un programme : les séances de ses missions."
            ),
            CONSENT_NOTE,
        ),
        unit=Unit.HOURS,
        measure=Measure.SUM,
        section="activity",
        dimensions=("activity", "department", "month", "gender"),
        compute=_hours_delivered,
    )
)


# --- prevention ---------------------------------------------------------------------------

PREVENTION_NOTE = _(
    "Actions de prévention : séances validées des ateliers de prévention, des formations "
    "de professionnel·les et des sensibilisations d'équipes soignantes (la médiation par "
    "les pairs n'en fait pas partie). Une séance peut toucher plusieurs publics et "
    "traiter plusieurs thèmes : elle compte alors dans chacun, et les lignes par public "
    "ou par thème ne s'additionnent pas ; le total compte chaque séance une fois."
)


def _prevention_sessions_in(scope: Scope):
    return _validated_sessions(scope).filter(mission__kind__in=PREVENTION_KINDS)


SESSION_BREAKDOWNS = {
    "audience": Breakdown(AUDIENCE, "audiences__kind", multi=True),
    "theme": Breakdown(THEME, "themes__theme", multi=True),
    "department": Breakdown(DEPARTMENT, "department"),
    "month": Breakdown(MONTH, MonthKey("date")),
}


def _prevention_sessions(scope: Scope, rows: str | None, cols: str | None) -> Table:
    return breakdown_table(
        "prevention_sessions",
        Measure.SUM,
        _prevention_sessions_in(scope),
        SESSION_BREAKDOWNS,
        rows,
        cols,
        scope=scope,
        person="entrepreneur",
        value=Value(1),
        places=0,
    )


register(
    Indicator(
        code="prevention_sessions",
        label=_("Séances de prévention"),
        definition=_definition(
            _("Nombre de séances de prévention validées qui ont eu lieu pendant la période."),
            PREVENTION_NOTE,
            _(
                "Le département est celui du lieu de la séance. Pour un programme : les séances de "
                "ses missions."
            ),
            CONSENT_NOTE,
        ),
        unit=Unit.SESSIONS,
        measure=Measure.SUM,
        section="prevention",
        dimensions=("audience", "theme", "department", "month"),
        compute=_prevention_sessions,
    )
)


def _prevention_hours(scope: Scope, rows: str | None, cols: str | None) -> Table:
    return breakdown_table(
        "prevention_hours",
        Measure.SUM,
        _prevention_sessions_in(scope),
        SESSION_BREAKDOWNS,
        rows,
        cols,
        scope=scope,
        person="entrepreneur",
        value=F("duration_minutes"),
        places=0,
        scale=_hours,
    )


register(
    Indicator(
        code="prevention_hours",
        label=_("Heures de prévention"),
        definition=_definition(
            _(
                "Durée totale, en heures, des séances de prévention validées qui ont eu lieu "
                "pendant la période."
            ),
            PREVENTION_NOTE,
            _(
                "Le département est celui du lieu de la séance. Pour un programme : les séances de "
                "ses missions."
            ),
            CONSENT_NOTE,
        ),
        unit=Unit.HOURS,
        measure=Measure.SUM,
        section="prevention",
        dimensions=("audience", "theme", "department", "month"),
        compute=_prevention_hours,
    )
)


def _people_reached(scope: Scope, rows: str | None, cols: str | None) -> Table:
    audiences = SessionAudience.objects.filter(
        session__in=_prevention_sessions_in(scope).values("pk")
    )
    breakdowns = {
        "audience": Breakdown(AUDIENCE, "kind"),
        "theme": Breakdown(THEME, "session__themes__theme", multi=True),
        "department": Breakdown(DEPARTMENT, "session__department"),
        "month": Breakdown(MONTH, MonthKey("session__date")),
    }
    return breakdown_table(
        "people_reached",
        Measure.SUM,
        audiences,
        breakdowns,
        rows,
        cols,
        scope=scope,
        person="session__entrepreneur",
        value=F("count"),
        places=0,
    )


register(
    Indicator(
        code="people_reached",
        label=_("Personnes touchées par la prévention"),
        definition=_definition(
            _(
                "Somme des effectifs des publics inscrits sur les séances de prévention validées "
                "qui ont eu lieu pendant la période (effectifs anonymes : une personne venue à "
                "deux séances compte deux fois ; la protection des chiffres porte sur les "
                "entrepreneur·es qui ont animé les séances)."
            ),
            PREVENTION_NOTE,
            _("Pour un programme : les séances de ses missions."),
            CONSENT_NOTE,
        ),
        unit=Unit.PEOPLE,
        measure=Measure.SUM,
        section="prevention",
        dimensions=("audience", "theme", "department", "month"),
        compute=_people_reached,
    )
)
