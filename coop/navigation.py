"""The main navigation, in one place: each entry names the permission that shows it,
so that every role sees only what it may use."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    icon: str
    perm: str | None = None  # None: every logged-in person
    description: str | Promise = ""


NAVIGATION = [
    NavItem(_("Accueil"), "home", "home", description=_("Votre page de départ.")),
    NavItem(
        _("Tableau de bord"),
        "members:dashboard",
        "dashboard",
        perm="members.view_dashboard",
        description=_("Les personnes par étape, les échéances, les rendez-vous de la semaine."),
    ),
    NavItem(
        _("Membres"),
        "members:member_list",
        "people",
        perm="members.view_members",
        description=_("Chercher une personne, suivre son parcours."),
    ),
    NavItem(
        _("Mon parcours"),
        "members:my_profile",
        "path",
        perm="members.view_own_path",
        description=_("Mes contrats, mes documents, mes rendez-vous."),
    ),
    NavItem(
        _("Ateliers"),
        "members:workshop_list",
        "calendar",
        perm="members.view_workshops",
        description=_("Les ateliers collectifs et les inscriptions."),
    ),
    NavItem(
        _("Comptes"),
        "members:account_list",
        "key",
        perm="members.view_accounts",
        description=_("Inviter une personne, suivre les invitations et les comptes."),
    ),
    NavItem(
        _("Administration"),
        "admin:index",
        "settings",
        perm="coop.use_admin",
        description=_("Configurer la coopérative, les comptes et les rôles."),
    ),
    NavItem(
        _("Mon compte"),
        "members:my_account",
        "user",
        description=_("Mot de passe, adresse e-mail, double authentification, langue."),
    ),
]


def navigation_for(user) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    return [item for item in NAVIGATION if item.perm is None or user.has_perm(item.perm)]
