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
        _("Mes devis et factures"),
        "coop:my_invoicing",
        "invoice",
        perm="coop.draft_own_invoices",
        description=_("Faire un devis, facturer mes séances, voir ce qui est payé."),
    ),
    NavItem(
        _("Ma trésorerie"),
        "coop:my_treasury",
        "euro",
        perm="coop.view_own_treasury",
        description=_("L'argent de mon activité, mois par mois, et ce que je peux me verser."),
    ),
    NavItem(
        _("Mes collectifs"),
        "coop:my_collectives",
        "heart",
        perm="coop.own_collectives_in_menu",
        description=_("Mes collectifs, leur charte, venir ou partir."),
    ),
    NavItem(
        _("Mes instances"),
        "coop:my_bodies",
        "vote",
        perm="coop.view_own_bodies",
        description=_("Les instances dont je suis membre, leurs réunions et décisions."),
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
        _("Factures"),
        "coop:invoice_list",
        "invoice",
        perm="coop.view_invoicing",
        description=_("Devis, factures à émettre, factures et avoirs, avec leurs totaux."),
    ),
    NavItem(
        _("Paiements et relances"),
        "coop:overdue_list",
        "euro",
        perm="coop.record_payments",
        description=_("Les factures en retard, les relances, le journal des paiements."),
    ),
    NavItem(
        _("Dépenses des comptes"),
        "coop:account_expense_list",
        "check",
        perm="coop.manage_account_expenses",
        description=_("Factures fournisseurs, notes de frais et salaires de chaque compte."),
    ),
    NavItem(
        _("Trésorerie"),
        "coop:treasury_list",
        "euro",
        perm="coop.view_treasury",
        description=_("Le solde de chaque entrepreneur·e et ce qu'il ou elle peut se verser."),
    ),
    NavItem(
        _("Comptabilité"),
        "coop:accounting_export",
        "download",
        perm="coop.export_accounting",
        description=_("Export du journal (FEC, CSV) et attestations de crédit d'impôt."),
    ),
    NavItem(
        _("Collectifs"),
        "coop:collective_list",
        "heart",
        perm="coop.view_collectives",
        description=_("La coopérative et les collectifs : membres, charte, vie quotidienne."),
    ),
    NavItem(
        _("Instances"),
        "coop:body_list",
        "vote",
        perm="coop.view_bodies",
        description=_("Assemblée générale, conseil, associé·es et parts, élections, réunions."),
    ),
    NavItem(
        _("Associé·es et parts"),
        "coop:associate_list",
        "people",
        perm="coop.view_associates",
        description=_("Le registre des associé·es et leurs parts sociales."),
    ),
    NavItem(
        _("Accompagnements"),
        "peer_support:followup_list",
        "heart",
        perm="peer_support.view_followups",
        description=_("Les personnes accompagnées en pair-aidance : suivi confidentiel."),
    ),
    NavItem(
        _("Journal des accès"),
        "peer_support:access_log",
        "key",
        perm="peer_support.view_access_log",
        description=_("Qui a lu ou modifié quel dossier d'accompagnement, et quand."),
    ),
    NavItem(
        _("Pair-aidance en chiffres"),
        "peer_support:counts",
        "dashboard",
        perm="peer_support.view_counts",
        description=_("Comptes anonymes des accompagnements, rencontres et objectifs."),
    ),
    NavItem(
        _("Mes questionnaires"),
        "research:my_questionnaires",
        "pencil",
        perm="research.fill_questionnaires",
        description=_("Les questionnaires de la recherche-action qui vous attendent."),
    ),
    NavItem(
        _("Questionnaires"),
        "research:instrument_list",
        "check",
        perm="research.manage_questionnaires",
        description=_("Questionnaires, vagues et enquêtes auprès des structures partenaires."),
    ),
    NavItem(
        _("Espace financeur"),
        "research:portal",
        "download",
        perm="research.use_portal",
        description=_("Les rapports d'impact de vos programmes et leurs tableaux anonymes."),
    ),
    NavItem(
        _("Programmes"),
        "research:programme_list",
        "briefcase",
        perm="research.view_programmes",
        description=_("Programmes financés : financeurs, lecteurs, membres, indicateurs."),
    ),
    NavItem(
        _("Mes programmes"),
        "research:programme_list",
        "briefcase",
        perm="research.view_own_programmes",
        description=_("Les programmes auxquels votre compte est rattaché."),
    ),
    NavItem(
        _("Indicateurs"),
        "research:indicator_table",
        "dashboard",
        perm="research.view_indicators",
        description=_("Les indicateurs anonymes, en tableaux et graphiques."),
    ),
    NavItem(
        _("Rapports d'impact"),
        "research:report_list",
        "invoice",
        perm="research.view_reports",
        description=_("Les rapports mensuels et annuels des programmes, leurs versions."),
    ),
    NavItem(
        _("Témoignages"),
        "research:testimonial_index",
        "pencil",
        perm="research.manage_testimonials",
        description=_("Les témoignages choisis pour les rapports, avec l'accord des personnes."),
    ),
    NavItem(
        _("Mes extractions"),
        "research:extract_list",
        "download",
        perm="research.request_extracts",
        description=_("Demander une extraction pseudonymisée, la télécharger une fois."),
    ),
    NavItem(
        _("Demandes d'extraction"),
        "research:extract_review_list",
        "key",
        perm="research.approve_extracts",
        description=_("Les extractions demandées par les chercheur·es, à décider."),
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
