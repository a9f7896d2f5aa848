from allauth.account.auth_backends import AuthenticationBackend


class EmailBackend(AuthenticationBackend):
    """allauth's e-mail login, without Django's per-user and per-group permissions:
    rights come from the role only (members/perms.py), and no page pays the queries
    that database permissions would cost."""

    def get_user(self, user_id):
        """The logged-in user with their member record in the same query: the menu asks
        on every page whether an entrepreneur is a peer mediator."""
        from members.models import User

        try:
            user = User._default_manager.select_related("member").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    def get_user_permissions(self, user_obj, obj=None):
        return set()

    def get_group_permissions(self, user_obj, obj=None):
        return set()

    def get_all_permissions(self, user_obj, obj=None):
        return set()

    def has_perm(self, user_obj, perm, obj=None):
        return False

    def has_module_perms(self, user_obj, app_label):
        return False
