from research.views import (
    extracts,
    indicators,
    portal,
    programmes,
    questionnaires,
    reports,
    surveys,
    testimonials,
)

app_name = "research"

# Each views module lists its own pages.
urlpatterns = [
    *programmes.urlpatterns,
    *indicators.urlpatterns,
    *extracts.urlpatterns,
    *questionnaires.urlpatterns,
    *surveys.urlpatterns,
    *reports.urlpatterns,
    *portal.urlpatterns,
    *testimonials.urlpatterns,
]
