from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.utils import is_mfa_enabled


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        """Nobody signs up: a coordinator or an administrator invites each person."""
        return False

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """A person setting up two-factor for the first time, as their role requires right
        after logging in, is not asked for the password they have just typed; changing or
        removing an existing second factor still asks for it."""
        user = getattr(self.request, "user", None)
        if (
            app == "allauth.mfa"
            and user is not None
            and user.is_authenticated
            and not is_mfa_enabled(user)
        ):
            return False
        return super().is_reauthentication_required(app=app, **kwargs)
