from django.apps import AppConfig


class ResearchConfig(AppConfig):
    """The action research: programmes, indicators, disclosure control, reports."""

    name = "research"
    verbose_name = "Recherche-action"

    def ready(self):
        import research.perms  # noqa: F401
