from django.urls import reverse

from coop.navigation import navigation_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None:
        return {"navigation": []}
    match = getattr(request, "resolver_match", None)
    current = match.view_name if match else ""
    items = [
        {
            "label": item.label,
            "url": reverse(item.url_name),
            "icon": item.icon,
            "description": item.description,
            "current": item.url_name == current,
        }
        for item in navigation_for(user)
    ]
    return {"navigation": items}
