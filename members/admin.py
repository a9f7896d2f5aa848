from django.contrib import admin
from django.contrib.auth.models import Group

from members.models import Invitation, Skill, User

# Rights come from roles (members/perms.py), not from groups.
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    """The administrator changes a person's role or closes an account; accounts are
    created by invitation only, and never deleted (their history stays)."""

    list_display = ["email", "first_name", "last_name", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fields = ["email", "first_name", "last_name", "role", "is_active", "date_joined", "last_login"]
    readonly_fields = ["date_joined", "last_login"]
    ordering = ["last_name", "first_name"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "role", "invited_by", "created_at", "expires_at", "accepted_at"]
    list_filter = ["role"]
    search_fields = ["email", "last_name"]
    list_select_related = ["invited_by"]
    readonly_fields = [
        "email",
        "first_name",
        "last_name",
        "role",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
        "user",
    ]
    exclude = ["token_hash"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    """The catalogue of skills coordinators pick from. Health data (the sensitive
    profile, its access log) is never in the admin site."""

    search_fields = ["name"]
