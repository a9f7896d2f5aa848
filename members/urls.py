from members.views import accompaniment, accounts, directory, member, situation

app_name = "members"

# Each views module lists its own pages.
urlpatterns = (
    accounts.urlpatterns
    + directory.urlpatterns
    + member.urlpatterns
    + accompaniment.urlpatterns
    + situation.urlpatterns
)
