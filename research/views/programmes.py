"""programmes pages."""

urlpatterns = []
