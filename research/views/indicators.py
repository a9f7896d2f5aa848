"""indicators pages."""

urlpatterns = []
