"""Pseudonymised extracts: what each dataset holds, how its quasi-identifiers are
generalised, the k-anonymity check (grouped in the database), the keyed pseudonyms and
the CSV file.

Only people who gave research consent (still in force) and belong to the programme are
in an extract: the members it covers (research.ProgrammeMember) for entrepreneurs, the
follow-ups tagged with it (not erased) for accompanied people and their meetings, the
validated sessions of its missions for sessions. No free text, no name, no id in clear,
no birth year, no commune or postcode: a person is a keyed pseudonym, HMAC-SHA-256 of
their id under the extract's own key.

Quasi-identifiers — what someone could know about a person from elsewhere and use to
find their row — per dataset (every date column is one, generalised to the month, the
quarter or the year; age bands and territory can be made coarser, gender left out):

- entrepreneurs (one row per member covered during the period): age band at entry in
  the programme, territory of residence, gender, entry in and exit from the programme;
- followups (one row per accompanied person): age band at opening, territory, gender,
  opening and closing of the follow-up;
- meetings (one row per meeting): the person's age band at opening, territory and
  gender, and the meeting's date;
- sessions (one row per validated session): the entrepreneur's age band (that year),
  territory of residence and gender, and the session's date.

Every combination of quasi-identifier values present in the file must be shared by at
least k distinct people (for events: k distinct people have events with it).
"""

import csv
import hashlib
import hmac
import io
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace

from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractMonth, ExtractQuarter, ExtractYear
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from localflavor.fr.fr_department import DEPARTMENT_CHOICES_PER_REGION
from localflavor.fr.fr_region import REGION_2016_CHOICES

from activities.enums import MissionKind, Theme
from members.enums import Activity, ExitReason, Gender, Resource, Stage
from peer_support.enums import ArrivalRoute, CareFollowUp, Housing, MeetingMode, Outcome
from peer_support.enums import Resource as PeerResource
from research.enums import ExtractAges, ExtractDataset, ExtractDates, ExtractTerritory
from research.indicators.dimensions import EsfAgeBand, department_of, esf_age_band

# Never below this k, whatever a programme says (DESIGN.md rule 3).
MINIMUM_K = 5

# The quasi-identifiers that can be generalised, in the order they are offered.
TERRITORY, DATES, AGES, GENDER = "territory", "dates", "ages", "gender"
QUASI_IDENTIFIERS = (TERRITORY, DATES, AGES, GENDER)
_ENUMS = {TERRITORY: ExtractTerritory, DATES: ExtractDates, AGES: ExtractAges}

# --- Generalisation -----------------------------------------------------------------------


@dataclass(frozen=True)
class Generalisation:
    """How coarse the quasi-identifiers of an extract are."""

    territory: str = ExtractTerritory.DEPARTMENT
    dates: str = ExtractDates.MONTH
    ages: str = ExtractAges.ESF
    gender: bool = True

    @classmethod
    def of(cls, extract) -> "Generalisation":
        return cls(
            territory=extract.territory,
            dates=extract.dates,
            ages=extract.ages,
            gender=extract.include_gender,
        )

    def step(self, qi: str) -> "Generalisation | None":
        """One step coarser on this quasi-identifier (None: already the coarsest)."""
        if qi == GENDER:
            return replace(self, gender=False) if self.gender else None
        order = [str(value) for value in _ENUMS[qi]]
        position = order.index(str(getattr(self, qi)))
        if position + 1 == len(order):
            return None
        return replace(self, **{qi: order[position + 1]})

    def label(self, qi: str) -> str:
        """The setting of a quasi-identifier in words ("Région", "Trimestre"…)."""
        if qi == GENDER:
            return str(_("Genre transmis") if self.gender else _("Genre non transmis"))
        return str(_ENUMS[qi](getattr(self, qi)).label)


QI_LABELS = {
    TERRITORY: _("territoire"),
    DATES: _("dates"),
    AGES: _("âges"),
    GENDER: _("genre"),
}

# Regions since 2016 -> the older region codes localflavor still gives departments.
_OLD_REGIONS = {
    "44": ("42", "21", "41"),  # Grand Est
    "75": ("72", "54", "74"),  # Nouvelle-Aquitaine
    "84": ("82", "83"),  # Auvergne-Rhône-Alpes
    "27": ("26", "43"),  # Bourgogne-Franche-Comté
    "28": ("25", "23"),  # Normandie
    "32": ("31", "22"),  # Hauts-de-France
    "76": ("73", "91"),  # Occitanie
    "06": ("05",),  # Mayotte
}
_REGION_SINCE_2016 = {old: new for new, olds in _OLD_REGIONS.items() for old in olds}
REGION_NAMES = dict(REGION_2016_CHOICES)
# Overseas collectivities outside any region (a value of the file, always in French).
OUTSIDE_REGIONS = "Collectivités d'outre-mer"


def _region_of_departments() -> dict[str, list[str]]:
    regions: dict[str, list[str]] = {}
    for code, _name, region in DEPARTMENT_CHOICES_PER_REGION:
        name = REGION_NAMES[_REGION_SINCE_2016.get(region, region)] if region else OUTSIDE_REGIONS
        regions.setdefault(name, []).append(code)
    return regions


DEPARTMENTS_OF_REGION = _region_of_departments()

# Wide age bands made of ESF+ bands.
UNDER_30, FROM_30 = "under_30", "30_plus"
WIDE_AGE_LABELS = {
    UNDER_30: _("Moins de 30 ans"),
    FROM_30: _("30 ans et plus"),
    EsfAgeBand.UNKNOWN.value: EsfAgeBand.UNKNOWN.label,
}


def _age(generalisation: Generalisation):
    """The age column from the ESF+ band annotated as `x_esf` (None: left out)."""
    if generalisation.ages == ExtractAges.ESF:
        return F("x_esf")
    if generalisation.ages == ExtractAges.WIDE:
        return Case(
            When(x_esf__in=[EsfAgeBand.UNDER_18, EsfAgeBand.FROM_18_TO_29], then=Value(UNDER_30)),
            When(x_esf__in=[EsfAgeBand.FROM_30_TO_54, EsfAgeBand.FROM_55], then=Value(FROM_30)),
            default=Value(EsfAgeBand.UNKNOWN.value),
            output_field=CharField(),
        )
    return None


def _territory(generalisation: Generalisation):
    """The territory column from the department annotated as `x_dept` (None: left out)."""
    if generalisation.territory == ExtractTerritory.DEPARTMENT:
        return F("x_dept")
    if generalisation.territory == ExtractTerritory.REGION:
        return Case(
            *(
                When(x_dept__in=codes, then=Value(name))
                for name, codes in DEPARTMENTS_OF_REGION.items()
            ),
            default=Value(""),
            output_field=CharField(),
        )
    return None


def _period(generalisation: Generalisation, date: str) -> dict:
    """The year, and the month or quarter, of the date annotated as `date`."""
    columns = {f"{date}_y": ExtractYear(date)}
    if generalisation.dates == ExtractDates.MONTH:
        columns[f"{date}_p"] = ExtractMonth(date)
    elif generalisation.dates == ExtractDates.QUARTER:
        columns[f"{date}_p"] = ExtractQuarter(date)
    return columns


def _format_period(generalisation: Generalisation, year, part) -> str:
    if year is None:
        return ""
    if generalisation.dates == ExtractDates.MONTH:
        return f"{year:04d}-{part:02d}"
    if generalisation.dates == ExtractDates.QUARTER:
        return f"{year:04d}-T{part}"
    return f"{year:04d}"


# --- Datasets -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column of the file that is not a quasi-identifier: `name` is the field or
    annotation of the dataset's queryset; `labels` turn a code into words; `kind` is
    "code", "bool" or "int"."""

    header: str
    name: str
    description: str | Promise
    kind: str = "code"
    labels: tuple = ()


@dataclass(frozen=True)
class DateColumn:
    """A date of the dataset (always a quasi-identifier), annotated as `name`."""

    header: str
    name: str
    description: str | Promise


@dataclass(frozen=True)
class Dataset:
    """What an extract of this kind holds. `queryset(programme, start, end)` returns the
    rows, filtered to the programme, the period and research consent, annotated with the
    person's ESF+ band `x_esf`, department `x_dept`, gender `x_gender`, the dates and
    the other columns. `person` names what identifies the person of a row."""

    code: str
    person: str
    person_kind: str
    queryset: Callable
    dates: tuple[DateColumn, ...]
    columns: tuple[Column, ...]
    # Columns filled by a second query: name -> function(queryset) -> {row pk: text}.
    lookups: tuple[tuple[str, Callable], ...] = ()
    age_description: str | Promise = ""
    territory_description: str | Promise = ""


def _member_research_consent(member_ref: str):
    from members.enums import ConsentScope
    from members.models import Consent

    return Exists(
        Consent.objects.filter(
            member=OuterRef(member_ref), scope=ConsentScope.RESEARCH, withdrawn_on__isnull=True
        )
    )


def _count(queryset, by: str):
    """A correlated count: `queryset` is filtered on OuterRef through its field `by`
    (0 when none)."""
    return Coalesce(
        Subquery(
            queryset.order_by().values(by).annotate(n=Count("pk")).values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def _sum(queryset, by: str, field_name: str):
    """A correlated sum of `field_name`, as `_count` (0 when none)."""
    return Coalesce(
        Subquery(
            queryset.order_by().values(by).annotate(n=Sum(field_name)).values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def _entrepreneurs(programme, start, end) -> QuerySet:
    from activities.enums import SessionStatus
    from activities.models import Session
    from members.models import MemberSituation, PathStep
    from research.models import ProgrammeMember

    def resource_at(checkpoint):
        return Subquery(
            MemberSituation.objects.filter(
                member=OuterRef("member_id"), checkpoint=checkpoint, recorded_on__lte=end
            ).values("resource")[:1]
        )

    sessions = Session.objects.filter(
        entrepreneur=OuterRef("member_id"),
        status=SessionStatus.VALIDATED,
        date__gte=start,
        date__lte=end,
    )
    return (
        ProgrammeMember.objects.filter(programme=programme)
        .between(start, end)
        .filter(_member_research_consent("member_id"))
        .annotate(
            x_esf=esf_age_band("member__birth_year", ExtractYear("joined_on")),
            x_dept=department_of("member__postcode"),
            x_gender=F("member__gender"),
            x_entry=F("joined_on"),
            x_exit=Case(When(left_on__lte=end, then=F("left_on")), output_field=DateField()),
            c_stage=Subquery(
                PathStep.objects.filter(member=OuterRef("member_id"), on__lte=end)
                .order_by("-on", "-pk")
                .values("stage")[:1]
            ),
            c_exit_reason=Case(
                When(member__exited_on__lte=end, then=F("member__exit_reason")),
                default=Value(""),
                output_field=CharField(),
            ),
            c_activity=F("member__activity"),
            c_peer_mediator=F("member__is_peer_mediator"),
            c_care_professional=F("member__is_care_professional"),
            c_resource_entry=resource_at("entry"),
            c_resource_exit=resource_at("exit"),
            c_resource_6_months=resource_at("month_6"),
            c_sessions=_count(sessions, "entrepreneur"),
            c_session_minutes=_sum(sessions, "entrepreneur", "duration_minutes"),
        )
    )


def _research_followups(programme):
    """The programme's follow-ups of people who consented to research, not erased."""
    from peer_support.models import FollowUp

    return FollowUp.objects.for_research().not_erased().for_programme(programme)


def _followups(programme, start, end) -> QuerySet:
    from peer_support.enums import Checkpoint, GoalStatus
    from peer_support.models import Goal, Meeting, Situation

    def situation(checkpoint, answer):
        return Subquery(
            Situation.objects.filter(
                followup=OuterRef("pk"), checkpoint=checkpoint, recorded_on__lte=end
            ).values(answer)[:1]
        )

    goals = Goal.objects.filter(followup=OuterRef("pk"), set_on__lte=end)
    return (
        _research_followups(programme)
        .accompanied_between(start, end)
        .annotate(
            x_esf=esf_age_band("birth_year", ExtractYear("opened_on")),
            x_dept=F("department"),
            x_gender=F("gender"),
            x_opened=F("opened_on"),
            x_closed=Case(When(closed_on__lte=end, then=F("closed_on")), output_field=DateField()),
            c_route=F("arrival_route"),
            c_result=Case(
                When(closed_on__lte=end, then=F("outcome")),
                default=Value(""),
                output_field=CharField(),
            ),
            c_housing_entry=situation(Checkpoint.ENTRY, "housing"),
            c_resource_entry=situation(Checkpoint.ENTRY, "resource"),
            c_care_entry=situation(Checkpoint.ENTRY, "care_follow_up"),
            c_housing_6_months=situation(Checkpoint.MONTH_6, "housing"),
            c_resource_6_months=situation(Checkpoint.MONTH_6, "resource"),
            c_care_6_months=situation(Checkpoint.MONTH_6, "care_follow_up"),
            c_meetings=_count(
                Meeting.objects.filter(followup=OuterRef("pk"), date__gte=start, date__lte=end),
                "followup",
            ),
            c_goals_set=_count(goals, "followup"),
            c_goals_reached=_count(
                goals.filter(status=GoalStatus.REACHED, status_on__lte=end), "followup"
            ),
        )
    )


def _meetings(programme, start, end) -> QuerySet:
    from peer_support.models import Meeting

    worked_on = Meeting.goals.through.objects.filter(meeting=OuterRef("pk"))
    return Meeting.objects.filter(
        followup__in=_research_followups(programme), date__gte=start, date__lte=end
    ).annotate(
        x_esf=esf_age_band("followup__birth_year", ExtractYear("followup__opened_on")),
        x_dept=F("followup__department"),
        x_gender=F("followup__gender"),
        x_date=F("date"),
        c_minutes=F("duration_minutes"),
        c_meeting_mode=F("mode"),
        c_group=F("is_group"),
        c_goals_worked_on=_count(worked_on, "meeting"),
    )


def _sessions(programme, start, end) -> QuerySet:
    from activities.enums import SessionStatus
    from activities.models import Session, SessionAudience

    return (
        Session.objects.filter(
            mission__programme=programme,
            status=SessionStatus.VALIDATED,
            date__gte=start,
            date__lte=end,
        )
        .filter(_member_research_consent("entrepreneur_id"))
        .annotate(
            x_esf=esf_age_band("entrepreneur__birth_year", ExtractYear("date")),
            x_dept=department_of("entrepreneur__postcode"),
            x_gender=F("entrepreneur__gender"),
            x_date=F("date"),
            c_mission_kind=F("mission__kind"),
            c_minutes=F("duration_minutes"),
            c_remote=F("is_remote"),
            c_people_reached=_sum(
                SessionAudience.objects.filter(session=OuterRef("pk")), "session", "count"
            ),
        )
    )


def _session_themes(queryset) -> dict[int, str]:
    from activities.models import SessionTheme

    labels = dict(Theme.choices)
    themes: dict[int, list[str]] = {}
    rows = SessionTheme.objects.filter(session__in=queryset.values("pk")).order_by("theme")
    for session_id, theme in rows.values_list("session_id", "theme"):
        themes.setdefault(session_id, []).append(str(labels.get(theme, theme)))
    return {pk: " | ".join(names) for pk, names in themes.items()}


def _code(header, name, description, enum) -> Column:
    return Column(header, name, description, "code", tuple(enum.choices))


def _flag(header, name, description) -> Column:
    return Column(header, name, description, "bool")


def _number(header, name, description) -> Column:
    return Column(header, name, description, "int")


DATASETS: dict[str, Dataset] = {
    ExtractDataset.ENTREPRENEURS: Dataset(
        code=ExtractDataset.ENTREPRENEURS,
        person="member_id",
        person_kind="member",
        queryset=_entrepreneurs,
        age_description=_("à l'entrée dans le programme"),
        territory_description=_("de résidence"),
        dates=(
            DateColumn("entree_programme", "x_entry", _("entrée dans le programme")),
            DateColumn(
                "sortie_programme", "x_exit", _("sortie du programme (vide : encore dedans)")
            ),
        ),
        columns=(
            _code("etape", "c_stage", _("étape du parcours à la fin de la période"), Stage),
            _code(
                "motif_sortie", "c_exit_reason", _("motif de sortie de la coopérative"), ExitReason
            ),
            _code("metier", "c_activity", _("métier"), Activity),
            _flag("mediateur_pair", "c_peer_mediator", _("médiateur·rice de santé pair")),
            _flag("professionnel_soin", "c_care_professional", _("professionnel·le du soin")),
            _code(
                "ressource_entree",
                "c_resource_entry",
                _("ressource principale à l'entrée"),
                Resource,
            ),
            _code(
                "ressource_sortie",
                "c_resource_exit",
                _("ressource principale à la sortie"),
                Resource,
            ),
            _code(
                "ressource_6_mois",
                "c_resource_6_months",
                _("ressource principale 6 mois après la sortie"),
                Resource,
            ),
            _number("seances", "c_sessions", _("séances validées dans la période")),
            _number(
                "minutes_seances",
                "c_session_minutes",
                _("minutes de séances validées dans la période"),
            ),
        ),
    ),
    ExtractDataset.FOLLOWUPS: Dataset(
        code=ExtractDataset.FOLLOWUPS,
        person="pk",
        person_kind="followup",
        queryset=_followups,
        age_description=_("à l'ouverture du suivi"),
        territory_description=_("de résidence"),
        dates=(
            DateColumn("ouverture", "x_opened", _("début du suivi")),
            DateColumn("cloture", "x_closed", _("fin du suivi (vide : en cours)")),
        ),
        columns=(
            _code("venu_par", "c_route", _("comment la personne est venue"), ArrivalRoute),
            _code("issue", "c_result", _("issue du suivi"), Outcome),
            _code("logement_entree", "c_housing_entry", _("logement à l'entrée"), Housing),
            _code(
                "ressource_entree",
                "c_resource_entry",
                _("ressource principale à l'entrée"),
                PeerResource,
            ),
            _code("soins_entree", "c_care_entry", _("suivi de soins à l'entrée"), CareFollowUp),
            _code(
                "logement_6_mois", "c_housing_6_months", _("logement 6 mois après la fin"), Housing
            ),
            _code(
                "ressource_6_mois",
                "c_resource_6_months",
                _("ressource principale 6 mois après la fin"),
                PeerResource,
            ),
            _code(
                "soins_6_mois",
                "c_care_6_months",
                _("suivi de soins 6 mois après la fin"),
                CareFollowUp,
            ),
            _number("rencontres", "c_meetings", _("rencontres dans la période")),
            _number("objectifs", "c_goals_set", _("objectifs fixés")),
            _number("objectifs_atteints", "c_goals_reached", _("objectifs atteints")),
        ),
    ),
    ExtractDataset.MEETINGS: Dataset(
        code=ExtractDataset.MEETINGS,
        person="followup_id",
        person_kind="followup",
        queryset=_meetings,
        age_description=_("de la personne à l'ouverture du suivi"),
        territory_description=_("de résidence de la personne"),
        dates=(DateColumn("date", "x_date", _("date de la rencontre")),),
        columns=(
            _number("duree_minutes", "c_minutes", _("durée en minutes")),
            _code("mode", "c_meeting_mode", _("mode de la rencontre"), MeetingMode),
            _flag("en_groupe", "c_group", _("rencontre en groupe")),
            _number("objectifs_travailles", "c_goals_worked_on", _("objectifs travaillés")),
        ),
    ),
    ExtractDataset.SESSIONS: Dataset(
        code=ExtractDataset.SESSIONS,
        person="entrepreneur_id",
        person_kind="member",
        queryset=_sessions,
        age_description=_("de l'entrepreneur·e l'année de la séance"),
        territory_description=_("de résidence de l'entrepreneur·e"),
        dates=(DateColumn("date", "x_date", _("date de la séance")),),
        columns=(
            _code("type_mission", "c_mission_kind", _("type de mission"), MissionKind),
            _number("duree_minutes", "c_minutes", _("durée en minutes")),
            _flag("a_distance", "c_remote", _("séance à distance")),
            _number("personnes_touchees", "c_people_reached", _("personnes touchées")),
            Column("themes", "c_themes", _("thèmes abordés (séparés par « | »)"), "text"),
        ),
        lookups=(("c_themes", _session_themes),),
    ),
}


def dataset(code: str) -> Dataset:
    return DATASETS[code]


# --- Quasi-identifiers of one extract -------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """The quasi-identifier columns of a dataset under a generalisation, as
    annotations of its queryset, in the file's order."""

    dataset: Dataset
    generalisation: Generalisation

    def annotations(self) -> dict:
        g = self.generalisation
        columns = {}
        if (age := _age(g)) is not None:
            columns["qi_age"] = age
        if (territory := _territory(g)) is not None:
            columns["qi_territory"] = territory
        if g.gender:
            columns["qi_gender"] = F("x_gender")
        for date in self.dataset.dates:
            columns.update(_period(g, date.name))
        return columns

    def names(self) -> list[str]:
        return list(self.annotations())

    def queryset(self, programme, start, end) -> QuerySet:
        return self.dataset.queryset(programme, start, end).annotate(**self.annotations())


def effective_k(programme) -> int:
    return max(programme.k_anonymity, MINIMUM_K)


# --- The k-anonymity check ------------------------------------------------------------------


@dataclass
class Suggestion:
    """One step coarser on one quasi-identifier, and the rare combinations it leaves."""

    qi: str
    value: str
    rare_combinations: int
    rare_people: int

    @property
    def qi_label(self) -> str:
        return str(QI_LABELS[self.qi]).capitalize()

    @property
    def label(self) -> str:
        return suggestion_label(self)


@dataclass
class AnonymityCheck:
    """The result of the check: how many people, how many combinations of
    quasi-identifiers fewer than k people share (and how many people are in them), and
    for each quasi-identifier that can still be coarsened, what one more step leaves."""

    k: int
    people: int
    rare_combinations: int
    rare_people: int
    suggestions: list[Suggestion] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.people >= self.k and self.rare_combinations == 0

    def to_dict(self) -> dict:
        return {**asdict(self), "ok": self.ok}

    @classmethod
    def from_dict(cls, data: dict) -> "AnonymityCheck | None":
        if not data:
            return None
        suggestions = [Suggestion(**s) for s in data.get("suggestions", [])]
        return cls(
            k=data["k"],
            people=data["people"],
            rare_combinations=data["rare_combinations"],
            rare_people=data["rare_people"],
            suggestions=suggestions,
        )

    @property
    def best(self) -> Suggestion | None:
        return self.suggestions[0] if self.suggestions else None

    def explanation(self) -> str:
        """Why the extract is refused, and what to generalise, in French."""
        if self.ok:
            return str(
                _(
                    "Chaque combinaison d'âge, de territoire, de genre et de dates est partagée "
                    "par au moins %(k)s personnes."
                )
                % {"k": self.k}
            )
        if self.people < self.k:
            return str(
                _(
                    "Trop peu de personnes (%(people)s, il en faut au moins %(k)s) : une "
                    "extraction ne peut pas être anonyme. Choisissez une période plus longue."
                )
                % {"people": self.people, "k": self.k}
            )
        values = {"n": self.rare_combinations, "k": self.k}
        parts = [
            ngettext(
                "%(n)s combinaison d'âge, de territoire, de genre et de dates est partagée par "
                "moins de %(k)s personnes",
                "%(n)s combinaisons d'âge, de territoire, de genre et de dates sont partagées "
                "par moins de %(k)s personnes",
                self.rare_combinations,
            )
            % values,
            ngettext(" (%(n)s personne en tout).", " (%(n)s personnes en tout).", self.rare_people)
            % {"n": self.rare_people},
        ]
        best = self.best
        if best is None:
            parts.append(
                gettext(
                    " Tout est déjà au plus large : choisissez une période plus longue ou un "
                    "autre jeu de données."
                )
            )
        else:
            parts.append(
                gettext(" Généralisez d'abord %(qi)s : « %(value)s »")
                % {"qi": QI_LABELS[best.qi], "value": suggestion_label(best)}
            )
            parts.append(
                ngettext(
                    " (il resterait %(n)s personne dans des combinaisons trop rares).",
                    " (il resterait %(n)s personnes dans des combinaisons trop rares).",
                    best.rare_people,
                )
                % {"n": best.rare_people}
            )
        return "".join(parts)


def suggestion_label(suggestion: Suggestion) -> str:
    if suggestion.qi == GENDER:
        return str(_("ne pas transmettre le genre"))
    return str(_ENUMS[suggestion.qi](suggestion.value).label)


def _rare(dataset_: Dataset, generalisation: Generalisation, base: QuerySet, k: int):
    """(combinations shared by fewer than k people, people in them): one GROUP BY."""
    layout = Layout(dataset_, generalisation)
    counts = (
        base.annotate(**layout.annotations())
        .order_by()
        .values(*layout.names())
        .annotate(n=Count(dataset_.person, distinct=True))
        .filter(n__lt=k)
        .values_list("n", flat=True)
    )
    counts = list(counts)
    return len(counts), sum(counts)


def check(extract) -> AnonymityCheck:
    """The k-anonymity check of an extract as asked, computed in the database: one count
    of the people, one GROUP BY of the quasi-identifiers, and when it fails one more per
    quasi-identifier that can be made coarser."""
    dataset_ = dataset(extract.dataset)
    generalisation = Generalisation.of(extract)
    k = effective_k(extract.programme)
    base = dataset_.queryset(extract.programme, extract.period_start, extract.period_end)
    people = base.order_by().aggregate(n=Count(dataset_.person, distinct=True))["n"]
    combinations, rare_people = _rare(dataset_, generalisation, base, k)
    result = AnonymityCheck(
        k=k, people=people, rare_combinations=combinations, rare_people=rare_people
    )
    if result.ok or people < k:
        return result
    for qi in QUASI_IDENTIFIERS:
        coarser = generalisation.step(qi)
        if coarser is None:
            continue
        left_combinations, left_people = _rare(dataset_, coarser, base, k)
        value = coarser.gender if qi == GENDER else getattr(coarser, qi)
        result.suggestions.append(
            Suggestion(
                qi=qi,
                value=str(value).lower() if qi == GENDER else str(value),
                rare_combinations=left_combinations,
                rare_people=left_people,
            )
        )
    result.suggestions.sort(key=lambda s: (s.rare_people, s.rare_combinations))
    return result


# --- Pseudonyms and the file --------------------------------------------------------------


def new_key() -> str:
    """A key for one extract alone (hex of 32 random bytes)."""
    import secrets

    return secrets.token_bytes(32).hex()


def pseudonym(key: str, kind: str, person_id: int) -> str:
    """HMAC-SHA-256 of the person's id under the extract's key: the same person has the
    same pseudonym within the extract, and an unrelated one in any other."""
    message = f"{kind}:{person_id}".encode()
    return hmac.new(bytes.fromhex(key), message, hashlib.sha256).hexdigest()


def headers(dataset_: Dataset, generalisation: Generalisation) -> list[tuple[str, str]]:
    """The file's columns as (header, description), for the file and the codebook."""
    g = generalisation
    columns = [("pseudonyme", str(_("pseudonyme de la personne (propre à cette extraction)")))]
    if g.ages != ExtractAges.NONE:
        columns.append(
            (
                "tranche_age",
                gettext("tranche d'âge %(when)s : %(bands)s")
                % {"when": dataset_.age_description, "bands": g.label(AGES)},
            )
        )
    if g.territory != ExtractTerritory.NONE:
        columns.append(
            (
                "territoire",
                f"{g.label(TERRITORY)} {dataset_.territory_description}",
            )
        )
    if g.gender:
        columns.append(("genre", str(_("genre"))))
    for date in dataset_.dates:
        columns.append((date.header, f"{date.description} ({g.label(DATES).lower()})"))
    columns += [(column.header, str(column.description)) for column in dataset_.columns]
    return columns


def _format(column: Column, value) -> str:
    if value is None or value == "":
        return ""
    if column.kind == "bool":
        return str(_("oui") if value else _("non"))
    if column.kind == "code":
        return str(dict(column.labels).get(value, value))
    return str(value)


def write_csv(extract, key: str) -> tuple[bytes, int]:
    """The extract as a CSV file for French spreadsheets (";" separated, UTF-8 with a
    byte-order mark, a header line), with its number of rows. Rows are in the order of
    their pseudonyms, which says nothing of when people came."""
    dataset_ = dataset(extract.dataset)
    generalisation = Generalisation.of(extract)
    layout = Layout(dataset_, generalisation)
    queryset = layout.queryset(extract.programme, extract.period_start, extract.period_end)
    plain = [c for c in dataset_.columns if c.name not in dict(dataset_.lookups)]
    fields = ["pk", dataset_.person, *layout.names(), *(c.name for c in plain)]
    looked_up = {name: lookup(queryset) for name, lookup in dataset_.lookups}
    age_labels = dict(EsfAgeBand.choices) | WIDE_AGE_LABELS
    gender_labels = dict(Gender.choices)
    rows = []
    with translation.override("fr"):
        for values in queryset.order_by().values(*fields).iterator(chunk_size=2000):
            row = [pseudonym(key, dataset_.person_kind, values[dataset_.person])]
            if "qi_age" in values:
                row.append(str(age_labels.get(values["qi_age"], values["qi_age"])))
            if "qi_territory" in values:
                row.append(values["qi_territory"] or "")
            if "qi_gender" in values:
                row.append(str(gender_labels.get(values["qi_gender"], values["qi_gender"])))
            for date in dataset_.dates:
                row.append(
                    _format_period(
                        generalisation,
                        values[f"{date.name}_y"],
                        values.get(f"{date.name}_p"),
                    )
                )
            for column in dataset_.columns:
                if column.name in looked_up:
                    row.append(looked_up[column.name].get(values["pk"], ""))
                else:
                    row.append(_format(column, values[column.name]))
            rows.append(row)
        rows.sort()
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        writer.writerow([header for header, _description in headers(dataset_, generalisation)])
        writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig"), len(rows)
