from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from coop.views import (
    accounting,
    clients,
    collectives,
    collectives_daily,
    core,
    governance,
    invoices,
    ledger,
    quotes,
    treasury,
)

# The admin site logs in through allauth, so that two-factor applies there too.
admin.site.login = core.admin_login
admin.site.site_header = "Entrepairs — administration"
admin.site.site_title = "Entrepairs"

urlpatterns = [
    path("", core.home, name="home"),
    path("sante/", core.health, name="health"),
    path("langue/", set_language, name="set_language"),
    path("compte/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("members.urls")),
    path(
        "",
        include(
            (
                clients.urlpatterns
                + quotes.urlpatterns
                + invoices.urlpatterns
                + ledger.urlpatterns
                + treasury.urlpatterns
                + accounting.urlpatterns
                + collectives.urlpatterns
                + collectives_daily.urlpatterns
                + governance.urlpatterns,
                "coop",
            )
        ),
    ),
    path("", include("activities.urls")),
    path("", include("peer_support.urls")),
    path("", include("research.urls")),
]
