"""questionnaires pages."""

urlpatterns = []
