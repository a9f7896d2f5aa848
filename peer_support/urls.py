from peer_support.views import caseload, person, rights, supervision, work, workshops

app_name = "peer_support"

# Each views module lists its own pages.
urlpatterns = [
    *caseload.urlpatterns,
    *supervision.urlpatterns,
    *workshops.urlpatterns,
    *person.urlpatterns,
    *work.urlpatterns,
    *rights.urlpatterns,
]
