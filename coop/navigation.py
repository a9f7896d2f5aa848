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
        _("Noter une séance"),
        "activities:session_log_start",
        "pencil",
        perm="activities.log_session",
        description=_("Une séance faite ? Notez-la en une minute."),
    ),
    NavItem(
        _("Mes missions"),
        "activities:my_missions",
        "briefcase",
        perm="activities.view_own_missions",
        description=_("Mes missions de la semaine et de la suivante, et mes séances."),
    ),
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
        _("Missions"),
        "activities:mission_list",
        "briefcase",
        perm="activities.view_missions",
        description=_("Les missions des entrepreneur·es, par client, type et état."),
    ),
    NavItem(
        _("Séances"),
        "activities:session_list",
        "check",
        perm="activities.view_sessions",
        description=_("Valider les séances et les frais ; totaux d'heures et de public."),
    ),
    NavItem(
        _("Clients"),
        "coop:client_list",
        "building",
        perm="coop.view_clients",
        description=_("L'annuaire des clients et leurs contacts."),
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
