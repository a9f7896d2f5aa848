from django.apps import AppConfig


class ResearchConfig(AppConfig):
    """The action research: programmes, indicators, disclosure control, reports."""

    name = "research"
    verbose_name = "Recherche-action"

    def ready(self):
        from auditlog.registry import auditlog

        import research.perms  # noqa: F401
        from research import models

        # Who attached a funder, changed a contact or covered a member.
        auditlog.register(models.Funder, m2m_fields={"programmes"})
        auditlog.register(models.FunderContact)
        auditlog.register(models.ProgrammeMember)
