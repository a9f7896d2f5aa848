"""reports pages."""

urlpatterns = []
