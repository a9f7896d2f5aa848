from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    """What entrepreneurs do: clients, missions, delivered sessions, expenses."""

    name = "activities"
    verbose_name = "Activités"

    def ready(self):
        from auditlog.registry import auditlog

        import activities.perms  # noqa: F401  (registers the rules)
        from activities import models

        for model in (models.Mission, models.Session, models.Expense):
            auditlog.register(model)
