"""The 2009 information sheet (*fiche de renseignement*) on insertion through employment
of drug users, sent to partner structures (addiction care services, harm-reduction
centres, insertion structures). The questions follow the topics of that sheet, written
anew for the platform: the share of the active file in declared employment, on minimum
income or with other resources; the actions led and their publics; the people reached
and the share of women; partners and how the partnership is formalised; professionals
involved; the recruitment of former users and their status; funders; difficulties and
interrupted actions. It is answered by organisations, not people: no score."""

_YES_NO = ["Oui", "Non"]

DEFINITION = {
    "code": "fiche-insertion-2009",
    "name": "Fiche de renseignement — insertion par l'emploi des usagers de drogues (2009)",
    "description": (
        "Questionnaire pour les structures partenaires : leurs actions d'insertion par "
        "l'emploi des personnes usagères de drogues, les personnes concernées, les "
        "partenariats, les financements et les difficultés. Reprend les thèmes de la "
        "fiche de renseignement de 2009."
    ),
    "licence": "Questionnaire rédigé pour la coopérative : libre d'utilisation.",
    "intro": (
        "Merci de prendre une quinzaine de minutes pour décrire les actions d'insertion "
        "par l'emploi de votre structure sur les douze derniers mois. Vous pouvez "
        "enregistrer et revenir plus tard avec le même lien. Les résultats sont publiés "
        "de façon groupée : le nom de votre structure n'apparaît jamais à côté de vos "
        "réponses."
    ),
    "score_method": "none",
    "score_label": "",
    "questions": [
        # Part 1: the active file.
        {
            "code": "file_active",
            "group": "Votre file active",
            "kind": "number",
            "text": "Combien de personnes votre structure a-t-elle accompagnées sur les "
            "douze derniers mois (file active) ?",
            "min_value": "0",
            "max_value": "1000000",
        },
        {
            "code": "part_emploi_declare",
            "group": "Votre file active",
            "kind": "percentage",
            "text": "Quelle part de cette file active a un emploi déclaré ?",
            "help_text": "En pourcentage, une estimation suffit.",
        },
        {
            "code": "part_minima_sociaux",
            "group": "Votre file active",
            "kind": "percentage",
            "text": "Quelle part vit des minima sociaux (RSA, AAH, ASS…) ?",
            "help_text": "En pourcentage, une estimation suffit.",
        },
        {
            "code": "part_autres_ressources",
            "group": "Votre file active",
            "kind": "percentage",
            "text": "Quelle part a d'autres ressources (allocation chômage, pension, "
            "aide d'un proche…) ou aucune ressource ?",
            "help_text": "En pourcentage, une estimation suffit.",
        },
        # Part 2: the actions.
        {
            "code": "actions_menees",
            "group": "Vos actions d'insertion par l'emploi",
            "kind": "multiple_choice",
            "text": "Quelles actions d'insertion par l'emploi menez-vous ?",
            "help_text": "Cochez tout ce qui s'applique.",
            "options": [
                "Accompagnement individuel vers l'emploi",
                "Atelier ou chantier d'insertion",
                "Formation, remise à niveau",
                "Emploi direct dans la structure",
                "Stages ou mises à disposition chez des employeurs",
                "Aide à la création d'activité",
                "Autre action",
            ],
        },
        {
            "code": "debut_actions",
            "group": "Vos actions d'insertion par l'emploi",
            "kind": "date",
            "text": "Depuis quand menez-vous ces actions ?",
            "help_text": "La date de la première action, même approximative.",
            "required": False,
        },
        {
            "code": "publics",
            "group": "Vos actions d'insertion par l'emploi",
            "kind": "multiple_choice",
            "text": "À quels publics ces actions s'adressent-elles ?",
            "help_text": "Cochez tout ce qui s'applique.",
            "options": [
                "Personnes qui consomment actuellement",
                "Personnes sous traitement de substitution",
                "Personnes sorties de la consommation",
                "Personnes sortant de détention",
                "Jeunes de moins de 25 ans",
                "Personnes sans logement stable",
                "Autre public",
            ],
        },
        {
            "code": "personnes_concernees",
            "group": "Vos actions d'insertion par l'emploi",
            "kind": "number",
            "text": "Combien de personnes ont participé à ces actions sur les douze "
            "derniers mois ?",
            "min_value": "0",
            "max_value": "1000000",
        },
        {
            "code": "part_femmes",
            "group": "Vos actions d'insertion par l'emploi",
            "kind": "percentage",
            "text": "Quelle part de femmes parmi ces personnes ?",
            "help_text": "En pourcentage.",
        },
        # Part 3: partners.
        {
            "code": "partenaires",
            "group": "Vos partenaires",
            "kind": "multiple_choice",
            "text": "Avec quels partenaires travaillez-vous pour l'insertion par l'emploi ?",
            "help_text": "Cochez tout ce qui s'applique.",
            "options": [
                "France Travail (ex-Pôle emploi)",
                "Missions locales",
                "Structures d'insertion par l'activité économique",
                "Entreprises, employeurs",
                "Collectivités territoriales",
                "Autres services de soin ou de réduction des risques",
                "Autre partenaire",
            ],
        },
        {
            "code": "formalisation",
            "group": "Vos partenaires",
            "kind": "single_choice",
            "text": "Comment ces partenariats sont-ils formalisés, le plus souvent ?",
            "options": [
                "Convention signée",
                "Accord écrit sans convention",
                "Partenariat informel",
                "Pas de partenariat",
            ],
        },
        # Part 4: professionals and former users.
        {
            "code": "professionnels",
            "group": "Les équipes",
            "kind": "multiple_choice",
            "text": "Quels professionnel·les interviennent dans ces actions ?",
            "help_text": "Cochez tout ce qui s'applique.",
            "options": [
                "Travailleur·ses sociaux·ales, éducateur·rices",
                "Conseiller·ères en insertion professionnelle",
                "Soignant·es (médecins, infirmier·es, psychologues)",
                "Encadrant·es techniques",
                "Pairs, médiateur·rices de santé pairs",
                "Autre profession",
            ],
        },
        {
            "code": "etp_professionnels",
            "group": "Les équipes",
            "kind": "number",
            "text": "Combien de postes en équivalent temps plein ces actions mobilisent-elles ?",
            "help_text": "Par exemple 2,5.",
            "min_value": "0",
            "max_value": "10000",
        },
        {
            "code": "recrute_anciens_usagers",
            "group": "Les équipes",
            "kind": "single_choice",
            "text": "Votre structure a-t-elle recruté d'anciens usagers ou d'anciennes usagères ?",
            "options": ["Oui", "Non", "C'est envisagé"],
        },
        {
            "code": "statut_anciens_usagers",
            "group": "Les équipes",
            "kind": "multiple_choice",
            "text": "Si oui, avec quel statut ?",
            "help_text": "Cochez tout ce qui s'applique ; laissez vide sinon.",
            "required": False,
            "options": [
                "Salarié·e en CDI",
                "Salarié·e en CDD",
                "Contrat aidé ou d'insertion",
                "Bénévole",
                "Stagiaire",
                "Autre statut",
            ],
        },
        {
            "code": "nombre_anciens_usagers",
            "group": "Les équipes",
            "kind": "number",
            "text": "Combien d'anciens usagers ou d'anciennes usagères travaillent "
            "aujourd'hui dans votre structure ?",
            "required": False,
            "min_value": "0",
            "max_value": "10000",
        },
        # Part 5: funding and difficulties.
        {
            "code": "financeurs",
            "group": "Financements et difficultés",
            "kind": "multiple_choice",
            "text": "Qui finance ces actions ?",
            "help_text": "Cochez tout ce qui s'applique.",
            "options": [
                "Agence régionale de santé",
                "État (préfecture, services de l'emploi)",
                "Conseil départemental",
                "Conseil régional",
                "Commune ou intercommunalité",
                "Fonds européens",
                "Fondations",
                "Ressources propres",
                "Autre financeur",
            ],
        },
        {
            "code": "difficultes",
            "group": "Financements et difficultés",
            "kind": "multiple_choice",
            "text": "Quelles difficultés rencontrez-vous ?",
            "help_text": "Cochez tout ce qui s'applique.",
            "required": False,
            "options": [
                "Financements insuffisants ou trop courts",
                "Trop peu d'employeurs partenaires",
                "Santé des personnes accompagnées",
                "Préjugés des employeurs",
                "Manque de personnel",
                "Démarches administratives",
                "Autre difficulté",
            ],
        },
        {
            "code": "difficultes_precisions",
            "group": "Financements et difficultés",
            "kind": "short_text",
            "text": "Décrivez en quelques mots la principale difficulté.",
            "required": False,
        },
        {
            "code": "actions_interrompues",
            "group": "Financements et difficultés",
            "kind": "single_choice",
            "text": "Avez-vous dû interrompre une action d'insertion ces douze derniers mois ?",
            "options": _YES_NO,
        },
        {
            "code": "interruptions_precisions",
            "group": "Financements et difficultés",
            "kind": "short_text",
            "text": "Si oui, laquelle et pourquoi ?",
            "required": False,
        },
    ],
}
