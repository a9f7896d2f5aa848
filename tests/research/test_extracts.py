"""Pseudonymised extracts: keyed pseudonyms, no identifying content, k-anonymity checked
in the database (with what to generalise), only consenting people of the programme,
approval and a single download."""

import csv
import datetime
import hashlib
import hmac
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from activities.enums import SessionStatus
from members.enums import AccessAction, Gender, Role
from members.models import AccessLog, Consent
from research import extracts
from research.enums import (
    ExtractAges,
    ExtractDataset,
    ExtractDates,
    ExtractStatus,
    ExtractTerritory,
)
from research.services import extracts as services
from tests.activities.factories import MissionFactory, SessionFactory
from tests.members.factories import ProgrammeFactory, UserFactory
from tests.peer_support.factories import GoalFactory, MeetingFactory, PeerMediatorFactory
from tests.research.factories_extracts import (
    PERIOD_END,
    PERIOD_START,
    ExtractRequestFactory,
    covered_member,
    programme_followup,
    researcher_of,
)

pytestmark = pytest.mark.django_db


def _rows(content: bytes) -> list[dict]:
    assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def _members(programme, count, **kwargs):
    coordinator = UserFactory(role=Role.COORDINATOR)
    return [covered_member(programme, coordinator=coordinator, **kwargs) for _i in range(count)]


def _request(programme, researcher, **kwargs):
    fields = {
        "dataset": ExtractDataset.ENTREPRENEURS,
        "period_start": PERIOD_START,
        "period_end": PERIOD_END,
        "purpose": "Comparer les parcours d'entrée (convention de recherche 2025-14).",
        "territory": ExtractTerritory.DEPARTMENT,
        "dates": ExtractDates.MONTH,
        "ages": ExtractAges.ESF,
        "include_gender": True,
    } | kwargs
    return services.extract_request(actor=researcher, programme=programme, **fields)


# --- pseudonyms ----------------------------------------------------------------------------


def test_pseudonym_is_the_hmac_of_the_id_under_the_extract_key():
    key = extracts.new_key()
    assert len(bytes.fromhex(key)) == 32
    expected = hmac.new(bytes.fromhex(key), b"followup:42", hashlib.sha256).hexdigest()
    assert extracts.pseudonym(key, "followup", 42) == expected
    assert extracts.pseudonym(extracts.new_key(), "followup", 42) != expected


def test_same_person_same_pseudonym_within_an_extract_and_another_across_extracts():
    extract = ExtractRequestFactory(approved=True, dataset=ExtractDataset.MEETINGS)
    mediator = PeerMediatorFactory()
    followups = [
        programme_followup(extract.programme, mediator=mediator, research_consent=True)
        for _i in range(5)
    ]
    for followup in followups:
        MeetingFactory(followup=followup, date=datetime.date(2025, 4, 2))
    MeetingFactory(followup=followups[0], date=datetime.date(2025, 4, 20))
    other = ExtractRequestFactory(
        approved=True,
        dataset=ExtractDataset.MEETINGS,
        programme=extract.programme,
        requested_by=extract.requested_by,
    )

    rows, count = extracts.write_csv(extract, extract.secret)
    rows = _rows(rows)
    assert count == len(rows) == 6
    first = extracts.pseudonym(extract.secret, "followup", followups[0].pk)
    assert [row["pseudonyme"] for row in rows].count(first) == 2
    assert len({row["pseudonyme"] for row in rows}) == 5

    other_rows = _rows(extracts.write_csv(other, other.secret)[0])
    assert not {row["pseudonyme"] for row in rows} & {row["pseudonyme"] for row in other_rows}


# --- content -------------------------------------------------------------------------------


def test_entrepreneurs_file_holds_no_name_postcode_commune_nor_birth_year():
    extract = ExtractRequestFactory(approved=True)
    members = _members(
        extract.programme,
        5,
        first_name="Zéphirine",
        last_name="Quasimodo-Tartempion",
        commune="Villeneuve-Singulière",
        postcode="93170",
        birth_year=1977,
    )
    content, _count = extracts.write_csv(extract, extract.secret)
    text = content.decode("utf-8-sig")
    for needle in ("Zéphirine", "Quasimodo", "Singulière", "93170", "1977", "@"):
        assert needle not in text
    rows = _rows(content)
    assert text.splitlines()[0].startswith("pseudonyme;tranche_age;territoire;genre;")
    assert {row["territoire"] for row in rows} == {"93"}
    assert {row["tranche_age"] for row in rows} == {"30 – 54 ans"}
    assert {row["genre"] for row in rows} == {"Femme"}
    assert {row["entree_programme"] for row in rows} == {"2024-01"}
    assert {row["pseudonyme"] for row in rows} == {
        extracts.pseudonym(extract.secret, "member", m.pk) for m in members
    }


def test_followups_and_meetings_files_hold_no_pseudonym_nor_free_text():
    programme = ProgrammeFactory(k_anonymity=5)
    mediator = PeerMediatorFactory()
    followups = [
        programme_followup(
            programme,
            mediator=mediator,
            pseudonym="Anastabella",
            commune="Bourg-Particulier",
            postcode="93230",
            birth_year=1969,
            closed=True,
            closed_on=datetime.date(2025, 9, 1),
            outcome_note="Confidence-unique-sur-son-frère",
        )
        for _i in range(5)
    ]
    for followup in followups:
        MeetingFactory(
            followup=followup,
            date=datetime.date(2025, 6, 3),
            note="Secret-de-rencontre",
            next_steps="Appeler-le-CSAPA-xyz",
        )
        GoalFactory(followup=followup, free=True, free_text="Renouer-avec-Gaspard")
    researcher = researcher_of(programme)
    for dataset in (ExtractDataset.FOLLOWUPS, ExtractDataset.MEETINGS):
        extract = ExtractRequestFactory(
            approved=True, programme=programme, requested_by=researcher, dataset=dataset
        )
        content, count = extracts.write_csv(extract, extract.secret)
        text = content.decode("utf-8-sig")
        assert count == 5
        for needle in (
            "Anastabella",
            "Particulier",
            "93230",
            "1969",
            "Confidence",
            "Secret-de",
            "CSAPA-xyz",
            "Gaspard",
        ):
            assert needle not in text
    rows = _rows(extracts.write_csv(extract, extract.secret)[0])
    assert {row["date"] for row in rows} == {"2025-06"}
    assert {row["mode"] for row in rows} == {"Dans nos locaux"}


def test_sessions_file_holds_validated_sessions_of_the_programme_missions():
    extract = ExtractRequestFactory(approved=True, dataset=ExtractDataset.SESSIONS)
    members = _members(extract.programme, 5)
    mission = MissionFactory(programme=extract.programme, entrepreneurs=members)
    for member in members:
        SessionFactory(
            mission=mission,
            entrepreneur=member,
            date=datetime.date(2025, 5, 12),
            status=SessionStatus.VALIDATED,
            themes=["alcohol", "cannabis"],
        )
    # Not in the file: a session waiting for validation, a mission of no programme.
    SessionFactory(mission=mission, entrepreneur=members[0], date=datetime.date(2025, 5, 13))
    SessionFactory(
        mission=MissionFactory(entrepreneurs=[members[0]]),
        entrepreneur=members[0],
        date=datetime.date(2025, 5, 13),
        status=SessionStatus.VALIDATED,
    )
    rows = _rows(extracts.write_csv(extract, extract.secret)[0])
    assert len(rows) == 5
    assert {row["themes"] for row in rows} == {"Alcool | Cannabis"}
    assert {row["type_mission"] for row in rows} == {"Atelier de prévention"}
    assert {row["personnes_touchees"] for row in rows} == {"25"}
    assert {row["date"] for row in rows} == {"2025-05"}


def test_only_consenting_people_of_the_programme_are_counted():
    extract = ExtractRequestFactory()
    _members(extract.programme, 5)
    covered_member(extract.programme, consent=False)
    covered_member(ProgrammeFactory())  # another programme's
    withdrawn = covered_member(extract.programme)
    Consent.objects.filter(member=withdrawn).update(withdrawn_on=datetime.date(2025, 2, 1))
    covered_member(extract.programme, joined_on=datetime.date(2026, 2, 1))  # after the period
    assert extracts.check(extract).people == 5


# --- k-anonymity ---------------------------------------------------------------------------


def test_small_world_is_refused_naming_what_to_generalise_then_accepted_coarser():
    programme = ProgrammeFactory(k_anonymity=5, starts_on=datetime.date(2024, 1, 1))
    researcher = researcher_of(programme)
    _members(programme, 5, postcode="93100")
    covered_member(programme, postcode="75011")  # alone in Paris, in the same region

    refused = _request(programme, researcher)
    assert refused.status == ExtractStatus.REFUSED
    assert refused.refused_automatically
    assert refused.secret == ""
    check = extracts.AnonymityCheck.from_dict(refused.anonymity_check)
    assert (check.people, check.rare_combinations, check.rare_people) == (6, 1, 1)
    assert check.best.qi == extracts.TERRITORY
    assert check.best.value == ExtractTerritory.REGION
    assert check.best.rare_people == 0
    assert "Généralisez d'abord territoire : « Région »" in refused.decision_note

    accepted = _request(programme, researcher, territory=ExtractTerritory.REGION)
    assert accepted.status == ExtractStatus.REQUESTED
    assert accepted.anonymity_check["ok"] is True
    approved = services.extract_decide(
        actor=UserFactory(role=Role.COORDINATOR), extract=accepted, approve=True
    )
    rows = _rows(services.extract_download(actor=researcher, extract=approved))
    assert {row["territoire"] for row in rows} == {"Île-de-France"}


def test_coarser_dates_ages_and_no_gender():
    extract = ExtractRequestFactory(
        approved=True,
        dates=ExtractDates.QUARTER,
        ages=ExtractAges.WIDE,
        territory=ExtractTerritory.NONE,
        include_gender=False,
    )
    _members(extract.programme, 3, gender=Gender.WOMAN, birth_year=1990)
    _members(extract.programme, 2, gender=Gender.MAN, birth_year=1960)
    assert extracts.check(extract).ok
    content, _count = extracts.write_csv(extract, extract.secret)
    rows = _rows(content)
    assert list(rows[0]) == [
        "pseudonyme",
        "tranche_age",
        "entree_programme",
        "sortie_programme",
        *(column.header for column in extracts.dataset(extract.dataset).columns),
    ]
    assert {row["tranche_age"] for row in rows} == {"30 ans et plus"}
    assert {row["entree_programme"] for row in rows} == {"2024-T1"}
    assert "Femme" not in content.decode("utf-8-sig")


def test_too_few_people_cannot_be_made_anonymous():
    extract = ExtractRequestFactory()
    _members(extract.programme, 4)
    check = extracts.check(extract)
    assert not check.ok
    assert check.suggestions == []
    assert "Trop peu de personnes (4, il en faut au moins 5)" in check.explanation()


def test_k_is_never_below_five():
    programme = ProgrammeFactory()
    programme.k_anonymity = 2  # as if the database constraint were bypassed
    assert extracts.effective_k(programme) == 5


def test_check_groups_in_the_database(django_assert_num_queries):
    extract = ExtractRequestFactory()
    _members(extract.programme, 5)
    covered_member(extract.programme, postcode="75011")
    # the count of people, the grouped combinations, then one grouping per
    # quasi-identifier one step coarser (territory, dates, ages, gender)
    with django_assert_num_queries(6):
        extracts.check(extract)


# --- request, decision, download -----------------------------------------------------------


def test_a_researcher_asks_only_for_programmes_they_read():
    programme = ProgrammeFactory()
    with pytest.raises(PermissionDenied):
        _request(programme, researcher_of())
    with pytest.raises(PermissionDenied):
        _request(programme, UserFactory(role=Role.COORDINATOR))


def test_approval_draws_a_key_of_its_own():
    extract = ExtractRequestFactory()
    _members(extract.programme, 5)
    coordinator = UserFactory(role=Role.COORDINATOR)
    approved = services.extract_decide(
        actor=coordinator, extract=extract, approve=True, note="Convention signée."
    )
    assert approved.status == ExtractStatus.APPROVED
    assert approved.decided_by == coordinator
    assert len(bytes.fromhex(approved.secret)) == 32
    with pytest.raises(ValidationError):
        services.extract_decide(actor=coordinator, extract=approved, approve=False, note="Non.")


def test_approval_rechecks_k_anonymity():
    extract = ExtractRequestFactory()
    _members(extract.programme, 4)
    decided = services.extract_decide(
        actor=UserFactory(role=Role.COORDINATOR), extract=extract, approve=True
    )
    assert decided.status == ExtractStatus.REFUSED
    assert decided.refused_automatically
    assert decided.secret == ""


def test_a_refusal_says_why():
    extract = ExtractRequestFactory()
    coordinator = UserFactory(role=Role.COORDINATOR)
    with pytest.raises(ValidationError):
        services.extract_decide(actor=coordinator, extract=extract, approve=False, note=" ")
    refused = services.extract_decide(
        actor=coordinator, extract=extract, approve=False, note="Pas de convention signée."
    )
    assert refused.status == ExtractStatus.REFUSED
    assert refused.decided_by == coordinator
    with pytest.raises(PermissionDenied):
        services.extract_decide(actor=extract.requested_by, extract=extract, approve=True)


def test_the_file_is_made_once_and_the_download_logged():
    extract = ExtractRequestFactory(approved=True)
    _members(extract.programme, 5)
    content = services.extract_download(actor=extract.requested_by, extract=extract)
    assert len(_rows(content)) == 5
    extract.refresh_from_db()
    assert extract.status == ExtractStatus.DOWNLOADED
    assert extract.secret == ""
    assert extract.downloaded_at is not None
    assert extract.rows == 5
    assert AccessLog.objects.filter(
        actor=extract.requested_by,
        action=AccessAction.DOWNLOAD,
        record_type="research.extractrequest",
        record_id=extract.pk,
    ).exists()
    with pytest.raises(services.ExtractUnavailable):
        services.extract_download(actor=extract.requested_by, extract=extract)


def test_only_the_researcher_who_asked_downloads():
    extract = ExtractRequestFactory(approved=True)
    colleague = researcher_of(extract.programme)
    with pytest.raises(PermissionDenied):
        services.extract_download(actor=colleague, extract=extract)
    refused = ExtractRequestFactory(refused=True)
    with pytest.raises(services.ExtractUnavailable):
        services.extract_download(actor=refused.requested_by, extract=refused)


def test_download_rechecks_k_anonymity():
    extract = ExtractRequestFactory(approved=True)
    members = _members(extract.programme, 5)
    Consent.objects.filter(member=members[0]).update(withdrawn_on=datetime.date(2026, 1, 5))
    assert services.extract_download(actor=extract.requested_by, extract=extract) is None
    extract.refresh_from_db()
    assert extract.status == ExtractStatus.REFUSED
    assert extract.secret == ""
    assert "Trop peu de personnes" in extract.decision_note


def test_region_of_every_department():
    regions = extracts.DEPARTMENTS_OF_REGION
    assert "93" in regions["Île-de-France"]
    assert {"2A", "2B"} <= set(regions["Corse"])
    assert "67" in regions["Grand Est"]
    assert "976" in regions["Mayotte"]
    assert "988" in regions[extracts.OUTSIDE_REGIONS]
    assert sum(len(codes) for codes in regions.values()) == len(set().union(*regions.values()))
