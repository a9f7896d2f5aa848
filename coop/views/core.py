import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render, resolve_url
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from coop.celery import app as celery_app

logger = logging.getLogger(__name__)


def admin_login(request, extra_context=None):
    """The admin site's login: through allauth (and its two-factor step) for visitors,
    and a plain refusal for logged-in people whose role has no admin access."""
    if request.user.is_authenticated:
        raise PermissionDenied
    return redirect_to_login(request.get_full_path(), resolve_url(settings.LOGIN_URL))


@login_required
@require_GET
def home(request):
    return render(request, "coop/home.html")


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("Health check: database unreachable")
        return "error"
    return "ok"


def _check_redis() -> str:
    if not settings.REDIS_URL:
        return "not_configured"
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
        )
        client.ping()
    except redis.RedisError:
        logger.warning("Health check: Redis unreachable")
        return "error"
    return "ok"


def _check_worker(redis_status: str) -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"
    if redis_status != "ok":
        return "error"
    try:
        replies = celery_app.control.ping(timeout=settings.HEALTH_WORKER_TIMEOUT)
    except Exception:
        logger.warning("Health check: Celery control ping failed")
        return "error"
    return "ok" if replies else "error"


@never_cache
@require_GET
def health(request):
    """For monitoring: the state of the database, Redis and the Celery workers.
    Public, and says nothing but "ok" or "error" for each."""
    database = _check_database()
    redis_status = _check_redis()
    worker = _check_worker(redis_status)
    healthy = (
        database == "ok" and redis_status in {"ok", "not_configured"} and worker in {"ok", "eager"}
    )
    return JsonResponse(
        {
            "status": "ok" if healthy else "error",
            "database": database,
            "redis": redis_status,
            "worker": worker,
        },
        status=200 if healthy else 503,
    )
