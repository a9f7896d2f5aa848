"""Every URL of the site, visited anonymously, asks to log in or answers 404, except the
few pages that must be public (listed with the reason)."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# Public on purpose: the login and password-reset pages themselves, the link from an
# invitation or verification e-mail, the language switch, and monitoring.
PUBLIC_URL_NAMES = {
    "account_login",
    "account_signup",  # answers "sign-up is closed"
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    "account_confirm_email",
    "account_email_verification_sent",
    "account_logout",
    "account_inactive",
    "account_login_code_confirm",
    "mfa_authenticate",
    "members:invitation_accept",
    "set_language",
    "health",
    "admin:logout",  # logs out nobody, then shows the login
    "research:survey_answer",  # a partner structure answers through its secret link
}

SAMPLE_ARGUMENTS = {
    "int": "1",
    "str": "abc",
    "slug": "abc",
    "path": "abc",
    "uuid": "00000000-0000-0000-0000-000000000000",
}


def _walk(resolver, prefix="", namespace=None):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from _walk(entry, prefix + str(entry.pattern), full_ns)
        elif isinstance(entry, URLPattern):
            name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
            yield prefix + str(entry.pattern), name


def _concrete(route: str) -> str | None:
    """Turn a route into a path with sample values; None for regex routes we cannot fill."""
    import re

    if route.startswith("^"):
        route = route.lstrip("^").rstrip("$").replace("\\Z", "")
        if re.search(r"[()\[\]?*+]", route):
            return None
    path = re.sub(
        r"<(?:(\w+):)?\w+>", lambda m: SAMPLE_ARGUMENTS.get(m.group(1) or "str", "abc"), route
    )
    return "/" + path


ROUTES = sorted({(route, name) for route, name in _walk(get_resolver())}, key=lambda r: r[0])


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "name"), ROUTES, ids=[r for r, _ in ROUTES])
def test_anonymous_visitor_is_sent_to_login_or_gets_404(client, route, name):
    path = _concrete(route)
    if path is None:
        pytest.skip(f"regex route {route} has no sample path")
    if name in PUBLIC_URL_NAMES:
        response = client.get(path)
        assert response.status_code < 500
        return
    response = client.get(path)
    if response.status_code == 302 and response["Location"].startswith("/admin/login/"):
        response = client.get(response["Location"])  # the admin's login hands over to ours
    if response.status_code == 302:
        assert response["Location"].startswith("/compte/login/"), response["Location"]
    else:
        assert response.status_code in (404, 405), f"{path} answered {response.status_code}"


def test_the_walk_sees_the_project_pages():
    names = {name for _, name in ROUTES}
    assert {"home", "members:account_list", "members:invitation_create", "admin:index"} <= names
