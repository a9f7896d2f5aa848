import datetime
import json
import uuid

import pytest
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.template.loader import render_to_string
from django.test import override_settings
from django.utils import timezone

from members.enums import Role
from peer_support import services
from peer_support.enums import (
    AccessAction,
    AgeBand,
    ErasureReason,
    GoalKind,
    GoalStatus,
    MeetingMode,
    Outcome,
    PartnerKind,
    ReferralStatus,
)
from peer_support.models import AccessLog, FollowUp, Goal, Meeting
from peer_support.services.rights import EXPORT_FORMAT
from tests.members.factories import UserFactory
from tests.peer_support.factories import (
    FollowUpFactory,
    GoalFactory,
    MeetingFactory,
    PeerMediatorFactory,
    PeerWorkshopFactory,
    ReferralFactory,
    days_ago,
    lead_user,
)

pytestmark = pytest.mark.django_db

NOTE = "Il a rechuté après l'enterrement de son père, on en a parlé longuement."
PSEUDONYM = "Jean-Baptiste"


@pytest.fixture
def person():
    """A follow-up with something in every part: co-mediator, goals and progress,
    meetings, a refused referral, a workshop attended, reads in the access log."""
    colleague = PeerMediatorFactory()
    followup = FollowUpFactory(
        pseudonym=PSEUDONYM, birth_year=1971, with_comediator=colleague, opened_on=days_ago(90)
    )
    user = followup.mediator.user
    goal = services.goal_set(
        actor=user,
        followup=followup,
        kind=GoalKind.FREE,
        free_text="Retrouver le goût de cuisiner",
        set_on=days_ago(80),
    )
    services.goal_progress_record(
        actor=user, goal=goal, status=GoalStatus.IN_PROGRESS, on=days_ago(40), note="Soupe !"
    )
    services.meeting_log(
        actor=user,
        followup=followup,
        client_token=uuid.uuid4(),
        date=days_ago(30),
        duration_minutes=60,
        mode=MeetingMode.HOME_VISIT,
        goals=[goal],
        note=NOTE,
        next_steps="Appeler sa sœur ensemble.",
    )
    referral = services.referral_send(
        actor=user,
        followup=followup,
        partner_kind=PartnerKind.PSYCHIATRIC_SERVICE,
        partner_name="CMP Montreuil Est",
        consent_given_on=days_ago(20),
        shared_info="Idées noires depuis le décès.",
        sent_on=days_ago(20),
    )
    services.referral_answer(
        actor=user,
        referral=referral,
        status=ReferralStatus.REFUSED,
        answered_on=days_ago(10),
        refusal_reason="Secteur de Bagnolet.",
    )
    workshop = PeerWorkshopFactory(facilitators=[followup.mediator])
    workshop.attendances.create(followup=followup, recorded_by=user)
    services.followup_read(actor=user, followup=followup)
    return followup


def test_export_holds_everything_about_the_person(person, django_assert_max_num_queries):
    user = person.mediator.user
    # Constant: the follow-up and its parts (for_page), the access log, a few checks.
    with django_assert_max_num_queries(16):
        data = services.followup_export(actor=user, followup=person)
    assert data["format"] == EXPORT_FORMAT
    assert data["followup"]["pseudonym"] == PSEUDONYM
    assert data["followup"]["birth_year"] == 1971
    assert data["followup"]["arrival_route"] == "Centre de soins en addictologie (CSAPA, CAARUD)"
    assert [m["role"] for m in data["mediators"]] == ["main", "co-mediator"]
    assert {c["scope"] for c in data["consents"]} == {
        "Traitement des données du suivi",
        "Utilisation pour la recherche-action",
    }
    assert data["situations"][0]["housing"] == "Hébergement d'urgence"
    assert data["goals"][0]["goal"] == "Retrouver le goût de cuisiner"
    assert [step["note"] for step in data["goals"][0]["progress"]] == ["", "Soupe !"]
    assert data["meetings"][0]["note"] == NOTE
    assert data["meetings"][0]["goals"] == ["Retrouver le goût de cuisiner"]
    assert data["meetings"][0]["mode"] == "Visite à domicile"
    assert data["referrals"][0]["refusal_reason"] == "Secteur de Bagnolet."
    assert data["referrals"][0]["status"] == "Refusée"
    assert data["workshops"][0]["title"] == "Groupe de parole : tenir dans la durée"
    # Who read the record, this export included.
    assert [entry["action"] for entry in data["access_log"]][-2:] == ["Consultation", "Export"]
    # JSON as Django writes it (JsonResponse's encoder).
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    assert NOTE in text and days_ago(30).isoformat() in text
    assert AccessLog.objects.filter(action=AccessAction.EXPORT, followup=person).count() == 1


def test_export_pdf_is_readable(person):
    lead = lead_user()
    pdf = services.followup_export_pdf(actor=lead, followup=person)
    assert pdf.startswith(b"%PDF-")
    assert len(pdf) > 5000
    # The PDF is its HTML printed: the HTML says it all, in French.
    data = services.followup_export(actor=lead, followup=person)
    html = render_to_string("peer_support/export.html", {"data": data})
    for text in (
        PSEUDONYM,
        NOTE.replace("'", "&#x27;"),
        "Retrouver le goût de cuisiner",
        "CMP Montreuil Est",
        "Secteur de Bagnolet.",
        "Qui a consulté ou modifié votre suivi",
        f"{days_ago(30):%d/%m/%Y}",
    ):
        assert text in html, text
    assert AccessLog.objects.filter(action=AccessAction.EXPORT, actor=lead).count() == 2


@pytest.mark.parametrize(
    "role", [Role.COORDINATOR, Role.ADMINISTRATOR, Role.RESEARCHER, Role.FUNDER]
)
def test_only_those_who_read_the_record_export_it(person, role):
    with pytest.raises(PermissionDenied):
        services.followup_export(actor=UserFactory(role=role), followup=person)
    with pytest.raises(PermissionDenied):
        services.followup_export_pdf(actor=PeerMediatorFactory().user, followup=person)


def _raw_row_text(model, pk) -> str:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT * FROM {quote(model._meta.db_table)} WHERE id = %s",  # noqa: S608
            [pk],
        )
        return " ".join(str(value) for value in cursor.fetchone())


def test_erasure_replaces_identity_and_free_text_and_keeps_the_counts(person):
    lead = lead_user()
    before_meetings = list(Meeting.objects.filter(followup=person).values("date", "mode"))
    services.followup_erase(actor=lead, followup=person)
    person.refresh_from_db()
    # Identity and free text gone, for good.
    assert (person.pseudonym, person.birth_year, person.commune, person.postcode) == (
        "",
        None,
        "",
        "",
    )
    assert person.erasure_reason == ErasureReason.PERSON_REQUEST and person.erased_at
    # Closed today, ended by the person.
    assert (person.closed_on, person.outcome) == (timezone.localdate(), Outcome.PERSON_ENDED)
    data = services.followup_export(actor=lead, followup=person)
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    for gone in (
        PSEUDONYM,
        "1971",
        "Montreuil",
        NOTE,
        "Appeler sa sœur",
        "Soupe",
        "cuisiner",
        "CMP Montreuil Est",
        "Idées noires",
        "Bagnolet",
        "Ce qui est noté",
        "Des chiffres anonymes",
    ):
        assert gone not in text, gone
    # What anonymous counts need stays.
    assert person.age_band == AgeBand.of(1971, person.opened_on.year)
    assert (person.gender, person.department, person.arrival_route) == (
        "woman",
        "93",
        "addiction_care",
    )
    assert list(Meeting.objects.filter(followup=person).values("date", "mode")) == before_meetings
    assert Goal.objects.get(followup=person).kind == GoalKind.FREE
    assert person.referrals.get().status == ReferralStatus.REFUSED
    assert person.workshop_attendances.count() == 1
    assert FollowUp.objects.for_research().filter(pk=person.pk).exists()
    assert person.situations.count() == 1
    # The mediators no longer reach it; the lead sees the shell; the log says who erased.
    assert not FollowUp.objects.visible_to(person.mediator.user).exists()
    assert FollowUp.objects.visible_to(lead).get() == person
    assert AccessLog.objects.filter(action=AccessAction.ERASE, actor=lead).count() == 1
    # And the database rows hold nothing of it either.
    meeting = Meeting.objects.get(followup=person)
    assert NOTE not in _raw_row_text(Meeting, meeting.pk)
    assert PSEUDONYM not in _raw_row_text(FollowUp, person.pk)


def test_erasure_is_the_leads_and_happens_once(person):
    with pytest.raises(PermissionDenied):
        services.followup_erase(actor=person.mediator.user, followup=person)
    lead = lead_user()
    services.followup_erase(actor=lead, followup=person)
    with pytest.raises(PermissionDenied):
        services.followup_erase(actor=lead, followup=person)


def test_erasing_a_closed_follow_up_keeps_its_outcome():
    followup = FollowUpFactory(closed=True, closed_on=days_ago(30))
    services.followup_erase(actor=lead_user(), followup=followup)
    followup.refresh_from_db()
    assert (followup.closed_on, followup.outcome, followup.outcome_note) == (
        days_ago(30),
        Outcome.GOALS_REACHED,
        "",
    )


def _closed_years_ago(years: float, **kwargs):
    closed_on = timezone.localdate() - datetime.timedelta(days=round(365.25 * years))
    return FollowUpFactory(
        opened_on=closed_on - datetime.timedelta(days=200),
        closed=True,
        closed_on=closed_on,
        **kwargs,
    )


def test_retention_anonymises_follow_ups_closed_long_ago():
    old = _closed_years_ago(2.1)
    MeetingFactory(followup=old, date=old.closed_on, note="Une vieille note")
    GoalFactory(followup=old, free=True)
    ReferralFactory(followup=old, sent_on=old.opened_on, consent_given_on=old.opened_on)
    recent = _closed_years_ago(1.9)
    running = FollowUpFactory(opened_on=days_ago(1500))
    assert services.followups_anonymise_expired() == 1
    old.refresh_from_db()
    assert old.is_erased and old.erasure_reason == ErasureReason.RETENTION
    assert old.pseudonym == "" and Meeting.objects.get(followup=old).note == ""
    assert Goal.objects.get(followup=old).free_text == ""
    assert old.referrals.get().partner_name == ""
    for kept in (recent, running):
        kept.refresh_from_db()
        assert not kept.is_erased and kept.pseudonym
    log = AccessLog.objects.get(followup=old)
    assert (log.actor, log.action) == (None, AccessAction.ANONYMISE)
    # Run again: nothing more to do, nothing logged twice.
    assert services.followups_anonymise_expired() == 0
    assert AccessLog.objects.filter(action=AccessAction.ANONYMISE).count() == 1


def test_retention_period_comes_from_the_settings():
    followup = _closed_years_ago(1.5)
    with override_settings(PEER_SUPPORT_RETENTION_YEARS=1):
        assert services.followups_anonymise_expired() == 1
    followup.refresh_from_db()
    assert followup.is_erased
    assert services.followups_anonymise_expired(years=5) == 0


def test_retention_skips_a_follow_up_another_worker_erased_meanwhile(monkeypatch):
    """Two workers at once: the second finds the row already claimed and does nothing."""
    old = _closed_years_ago(3)
    from peer_support.services import rights

    real_scrub = rights._scrub

    def erased_just_before(followup_id, **kwargs):
        # Another worker claims it between the listing and the claim.
        assert real_scrub(followup_id, **kwargs)
        return real_scrub(followup_id, **kwargs)

    monkeypatch.setattr(rights, "_scrub", erased_just_before)
    assert services.followups_anonymise_expired() == 0
    assert not AccessLog.objects.filter(action=AccessAction.ANONYMISE).exists()
    old.refresh_from_db()
    assert old.is_erased
