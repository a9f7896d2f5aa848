from django.apps import AppConfig


class MembersConfig(AppConfig):
    """People: accounts and roles, and later the member's path through the cooperative."""

    name = "members"
    verbose_name = "Membres"

    def ready(self):
        from auditlog.registry import auditlog

        import members.perms  # noqa: F401  (registers the rules)
        from members.models import Invitation, User

        auditlog.register(User, exclude_fields=["password", "last_login"])
        auditlog.register(Invitation, exclude_fields=["token_hash"])
