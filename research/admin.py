"""The admin site's view of the research set-up: administrators read the funders and
their contacts there (coordinators set them up on the programme pages). The rights come
from `rules` (research.view_funder, research.view_fundercontact and the module perm
"research"), as for the coop app's admin pages. Members covered are people: they are not
in the admin site."""

from django.contrib import admin

from research.models import Funder, FunderContact


class FunderContactInline(admin.TabularInline):
    model = FunderContact
    fields = ["full_name", "position", "email", "receives_reports"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Funder)
class FunderAdmin(admin.ModelAdmin):
    """Read only: funders are attached to programmes on the programme pages."""

    list_display = ["name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name"]
    fields = ["name", "kind", "programmes"]
    readonly_fields = fields
    inlines = [FunderContactInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FunderContact)
class FunderContactAdmin(admin.ModelAdmin):
    """Read only: who receives which funder's reports."""

    list_display = ["full_name", "funder", "position", "email", "receives_reports"]
    list_filter = ["receives_reports", "funder__kind"]
    search_fields = ["full_name", "email", "funder__name"]
    list_select_related = ["funder"]
    fields = ["funder", "full_name", "position", "email", "receives_reports"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
