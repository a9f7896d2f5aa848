"""surveys pages."""

urlpatterns = []
