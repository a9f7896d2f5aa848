from django.apps import AppConfig


class CoopConfig(AppConfig):
    """The cooperative: infrastructure shared by every app, and later its business."""

    name = "coop"
    verbose_name = "Coopérative"

    def ready(self):
        from auditlog.registry import auditlog

        import coop.checks  # noqa: F401  (registers the deployment checks)
        import coop.perms  # noqa: F401  (registers the rules)
        from coop.models import Client, ClientContact

        auditlog.register(Client)
        auditlog.register(ClientContact)
