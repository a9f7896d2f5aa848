from django.apps import AppConfig


class CoopConfig(AppConfig):
    """The cooperative: infrastructure shared by every app, its clients and invoicing."""

    name = "coop"
    verbose_name = "Coopérative"

    def ready(self):
        from auditlog.registry import auditlog

        import coop.checks  # noqa: F401  (registers the deployment checks)
        import coop.perms  # noqa: F401  (registers the rules)
        from coop import models

        # Who changed the cooperative's identity, a rate, a client, a quote, an invoice
        # before it was issued, an account expense. Payments and recovery actions are
        # append-only journals that name their author themselves.
        for model in (
            models.Client,
            models.ClientContact,
            models.CooperativeProfile,
            models.ContributionRate,
            models.Quote,
            models.Invoice,
            models.AccountExpense,
            # Collectives: who recorded a membership, a signature, attendance (unticking
            # a day deletes its row), a task or a job.
            models.Collective,
            models.CollectivePerson,
            models.Charter,
            models.WorkUnit,
            models.Job,
            models.DailyAttendance,
            models.DailyTask,
            # Governance: associates (with their addresses), share terms, bodies, seats,
            # elections and meetings. The share ledger and decisions name their author.
            models.Associate,
            models.ShareTerms,
            models.Body,
            models.Seat,
            models.Election,
            models.Meeting,
        ):
            auditlog.register(model)
        # Funded programmes: who changed thresholds or attached a reader account.
        auditlog.register(models.Programme, m2m_fields={"readers"})
