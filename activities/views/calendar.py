"""An entrepreneur's missions in their phone's calendar: the page that gives (and
revokes) the secret address, and the iCalendar feed served at that address."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe
from icalendar import Calendar, Event

from activities import services
from activities.enums import MissionKind, MissionStatus
from activities.forms_review import CalendarFeedForm
from activities.models import CalendarFeed, Mission, Session
from members.dates import add_months
from members.views.common import require_perm

# The feed holds the last six months and everything to come.
FEED_MONTHS_BACK = 6
FEED_MISSION_STATUSES = [MissionStatus.PLANNED, MissionStatus.IN_PROGRESS, MissionStatus.DELIVERED]
# Calendar apps are asked to check for changes a few times a day.
FEED_REFRESH = datetime.timedelta(hours=6)
FEED_REFRESH_ICAL = "PT6H"
UID_DOMAIN = "entrepairs"


def feed_url(token: str) -> str:
    return settings.SITE_URL + reverse("activities:calendar_feed", args=[token])


def webcal_url(url: str) -> str:
    """The same address for calendar apps: webcal:// opens "subscribe" on a phone."""
    return "webcal://" + url.split("://", 1)[1]


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def calendar_settings(request):
    require_perm(request.user, "activities.use_calendar_feed")
    form = CalendarFeedForm(data=request.POST or None)
    new_url = ""
    if form.is_valid():
        if form.cleaned_data["action"] == "revoke":
            services.calendar_feed_revoke(user=request.user)
            messages.success(
                request,
                _("Votre agenda est arrêté : l'adresse ne donne plus vos missions."),
            )
            return redirect("activities:calendar_settings")
        token = services.calendar_feed_renew(user=request.user)
        # The secret is shown this once, on this answer (only its hash is kept), rather
        # than after a redirect that would have to store it somewhere.
        new_url = feed_url(token)
        messages.success(
            request,
            _("Votre adresse est prête. Une ancienne adresse ne marche plus."),
        )
    feed = CalendarFeed.objects.filter(user=request.user).first()
    return render(
        request,
        "activities/calendar/settings.html",
        {
            "form": form,
            "feed": feed,
            "new_url": new_url,
            "new_webcal_url": webcal_url(new_url) if new_url else "",
        },
    )


# --- the feed -------------------------------------------------------------------------


def _place(commune: str, postcode: str) -> str:
    return " ".join(part for part in (postcode, commune) if part)


def _mission_event(mission: Mission, site: str) -> Event:
    """The mission's period, all day: from its start to its end (the day after, as
    iCalendar counts), or its first day when the end is not known."""
    event = Event()
    event.add("uid", f"mission-{mission.pk}@{UID_DOMAIN}")
    event.add("dtstamp", mission.created_at)
    event.add("dtstart", mission.starts_on)
    event.add("dtend", (mission.ends_on or mission.starts_on) + datetime.timedelta(days=1))
    event.add("summary", f"{mission.title} — {mission.client.name}")
    place = _place(mission.client.commune, mission.client.postcode)
    if place:
        event.add("location", place)
    event.add(
        "description",
        _("Mission « %(kind)s », %(status)s.")
        % {
            "kind": MissionKind(mission.kind).label,
            "status": MissionStatus(mission.status).label.lower(),
        },
    )
    # A period of several days does not make the person busy all that time.
    event.add("transp", "TRANSPARENT")
    event.add("url", site + reverse("activities:my_missions"))
    return event


def _session_event(session: Session, zone, site: str) -> Event:
    event = Event()
    event.add("uid", f"session-{session.pk}@{UID_DOMAIN}")
    event.add("dtstamp", session.reviewed_at or session.logged_at)
    event.add("dtstart", datetime.datetime.combine(session.date, session.start_time, tzinfo=zone))
    event.add("duration", datetime.timedelta(minutes=session.duration_minutes))
    event.add(
        "summary",
        _("Séance : %(title)s — %(client)s")
        % {"title": session.mission.title, "client": session.mission.client.name},
    )
    event.add(
        "location",
        _("À distance") if session.is_remote else _place(session.commune, session.postcode),
    )
    event.add("url", site + reverse("activities:session_detail", args=[session.pk]))
    return event


def build_feed(owner, *, today: datetime.date) -> Calendar:
    """The owner's missions (planned, in progress or delivered) and their own logged
    sessions, from six months ago on. Nothing about other people: no co-workers, no
    audience, no notes."""
    since = add_months(today, -FEED_MONTHS_BACK)
    missions = (
        Mission.objects.visible_to(owner)
        .filter(status__in=FEED_MISSION_STATUSES)
        .filter(Q(ends_on__gte=since) | Q(ends_on__isnull=True, starts_on__gte=since))
        .select_related("client")
        .order_by("starts_on", "pk")
    )
    sessions = (
        Session.objects.visible_to(owner)
        .filter(date__gte=since)
        .select_related("mission__client")
        .order_by("date", "start_time", "pk")
    )
    zone = timezone.get_default_timezone()
    site = settings.SITE_URL
    calendar = Calendar()
    calendar.add("prodid", "-//Entrepairs//Agenda des missions//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _("Mes missions (Entrepairs)"))
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    calendar.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", FEED_REFRESH_ICAL)
    for mission in missions:
        calendar.add_component(_mission_event(mission, site))
    for session in sessions:
        calendar.add_component(_session_event(session, zone, site))
    # The time zone's rules over the sessions' dates only (sessions are in the past), not
    # the library's default 1970-2038, which would make every download much longer.
    calendar.add_missing_timezones(first_date=since, last_date=add_months(today, 24))
    return calendar


@require_safe
def calendar_feed(request, token: str):
    """No login: the secret address is the credential. An unknown or revoked address,
    or the address of a closed account, is not found."""
    owner = services.calendar_feed_owner(token)
    if owner is None or not owner.has_perm("activities.use_calendar_feed"):
        raise Http404
    calendar = build_feed(owner, today=timezone.localdate())
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=0, must-revalidate"
    response["Content-Disposition"] = 'inline; filename="entrepairs.ics"'
    response["X-Robots-Tag"] = "noindex"
    return response


urlpatterns = [
    path("agenda/", calendar_settings, name="calendar_settings"),
    path("agenda/<str:token>.ics", calendar_feed, name="calendar_feed"),
]
