from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("comptes/", views.account_list, name="account_list"),
    path("comptes/inviter/", views.invitation_create, name="invitation_create"),
    path(
        "comptes/invitations/<int:pk>/renvoyer/",
        views.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "comptes/invitations/<int:pk>/annuler/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("mon-compte/", views.my_account, name="my_account"),
]
