from activities.views import calendar, delivery, missions, review

app_name = "activities"

# Each views module lists its own pages.
urlpatterns = [
    *missions.urlpatterns,
    *delivery.urlpatterns,
    *review.urlpatterns,
    *calendar.urlpatterns,
]
