"""portal pages."""

urlpatterns = []
