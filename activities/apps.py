from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    """What entrepreneurs do: clients, missions, delivered sessions, expenses."""

    name = "activities"
    verbose_name = "Activités"
