from django.apps import AppConfig


class MembersConfig(AppConfig):
    """People: accounts and roles, and later the member's path through the cooperative."""

    name = "members"
    verbose_name = "Membres"

    def ready(self):
        from auditlog.registry import auditlog

        import members.perms  # noqa: F401  (registers the rules)
        from members import models

        auditlog.register(models.User, exclude_fields=["password", "last_login"])
        auditlog.register(models.Invitation, exclude_fields=["token_hash"])
        # People's data, audited. Not copied into the audit log, which administrators
        # read: the sensitive profile (its reads and changes go to AccessLog), consents
        # (dated and never deleted, they are their own trace) and appointment notes.
        auditlog.register(models.Member, m2m_fields={"skills"})
        for model in (
            models.Contract,
            models.PathStep,
            models.Training,
            models.Document,
            models.Workshop,
            models.WorkshopRegistration,
            models.MemberSituation,
        ):
            auditlog.register(model)
        auditlog.register(models.Appointment, exclude_fields=["topics", "next_steps"])
