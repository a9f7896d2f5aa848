from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

# Pages a person may still reach before setting up two-factor authentication.
_ALLOWED_BEFORE_TWO_FACTOR = frozenset(
    {
        "account_logout",
        "account_reauthenticate",
        "account_email_verification_sent",
        "account_confirm_email",
        "mfa_index",
        "mfa_activate_totp",
        "mfa_reauthenticate",
        "mfa_view_recovery_codes",
        "mfa_generate_recovery_codes",
        "mfa_download_recovery_codes",
        "set_language",
        "health",
    }
)


class TwoFactorRequiredMiddleware:
    """Accounts whose role reaches many people's data (see Role.requiring_two_factor)
    see no page until they have set up an authenticator app."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or not user.requires_two_factor:
            return None
        if request.resolver_match.url_name in _ALLOWED_BEFORE_TWO_FACTOR:
            return None
        if request.path.startswith("/static/"):
            return None
        if is_mfa_enabled(user):
            return None
        messages.warning(
            request,
            _(
                "Votre rôle donne accès aux données de nombreuses personnes : activez la "
                "double authentification avant de continuer."
            ),
        )
        return redirect("mfa_activate_totp")
