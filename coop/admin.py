from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from coop.models import ContributionRate, CooperativeProfile, Invoice, OutgoingEmail, Programme


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    """To see what was sent, and what waits because the mail server refused it."""

    list_display = ["subject", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status"]
    search_fields = ["subject"]
    fields = [
        "subject",
        "from_email",
        "to",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "next_attempt_at",
        "sent_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["name", "funder", "territory", "starts_on", "ends_on"]
    search_fields = ["name", "funder"]


@admin.register(CooperativeProfile)
class CooperativeProfileAdmin(admin.ModelAdmin):
    """The cooperative's identity as a seller. Issued invoices keep what they printed."""

    fieldsets = [
        (
            _("Identité"),
            {
                "fields": [
                    "name",
                    "legal_form",
                    "share_capital",
                    "variable_capital",
                    "siren",
                    "siret",
                    "rcs",
                    "vat_number",
                    "ape_code",
                    "logo",
                ]
            },
        ),
        (_("Coordonnées"), {"fields": ["address", "postcode", "commune", "email", "phone"]}),
        (_("Banque"), {"fields": ["iban", "bic"]}),
        (
            _("Facturation"),
            {
                "fields": [
                    "payment_terms_days",
                    "late_penalty_rate",
                    "vat_on_debits",
                    "contribution_rate",
                    "salary_cost_ratio",
                    "reminder_days",
                    "sap_declaration",
                    "invoice_series",
                    "credit_note_series",
                    "quote_series",
                ]
            },
        ),
    ]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not CooperativeProfile.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.pk = 1
        super().save_model(request, obj, form, change)


@admin.register(ContributionRate)
class ContributionRateAdmin(admin.ModelAdmin):
    list_display = ["member", "rate", "starts_on", "ends_on", "reason"]
    autocomplete_fields = []
    raw_id_fields = ["member"]


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    """Read only: an issued invoice never changes (the database refuses it anyway)."""

    list_display = ["number", "kind", "status", "client", "issued_on", "gross"]
    list_filter = ["kind", "status"]
    search_fields = ["number", "client__name"]
    list_select_related = ["client"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Invoice._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
