"""extracts pages."""

urlpatterns = []
