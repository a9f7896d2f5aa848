from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from members import services
from members.enums import InvitationStatus
from members.forms import InvitationAcceptForm, InvitationForm
from members.models import Invitation, User
from members.perms import can_manage_invitation
from members.views.common import apply_validation_error, require_perm

ACCOUNTS_PER_PAGE = 50


@login_required
@require_GET
def account_list(request):
    require_perm(request.user, "members.view_accounts")
    accounts = (
        User.objects.visible_to(request.user)
        .annotate(
            has_two_factor=Exists(
                Authenticator.objects.filter(user=OuterRef("pk"), type=Authenticator.Type.TOTP)
            )
        )
        .order_by("last_name", "first_name", "pk")
    )
    page = Paginator(accounts, ACCOUNTS_PER_PAGE).get_page(request.GET.get("page"))
    invitations = (
        Invitation.objects.visible_to(request.user)
        .pending()
        .select_related("invited_by")
        .order_by("-created_at")
    )
    rows = [
        {"invitation": invitation, "can_manage": can_manage_invitation(request.user, invitation)}
        for invitation in invitations
    ]
    return render(
        request,
        "members/account_list.html",
        {
            "page": page,
            "invitation_rows": rows,
            "can_invite": request.user.has_perm("members.invite"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def invitation_create(request):
    require_perm(request.user, "members.invite")
    form = InvitationForm(data=request.POST or None, inviter=request.user)
    if form.is_valid():
        try:
            invitation = services.invitation_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("L'invitation est envoyée à %(email)s.") % {"email": invitation.email},
            )
            return redirect("members:account_list")
    return render(request, "members/invitation_form.html", {"form": form})


def _get_manageable_invitation(request, pk: int) -> Invitation:
    invitation = get_object_or_404(Invitation.objects.visible_to(request.user).open(), pk=pk)
    if not can_manage_invitation(request.user, invitation):
        raise Http404
    return invitation


@login_required
@require_POST
def invitation_resend(request, pk: int):
    invitation = _get_manageable_invitation(request, pk)
    try:
        services.invitation_resend(actor=request.user, invitation=invitation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("Un nouveau lien est envoyé à %(email)s.") % {"email": invitation.email}
        )
    return redirect("members:account_list")


@login_required
@require_POST
def invitation_revoke(request, pk: int):
    invitation = _get_manageable_invitation(request, pk)
    try:
        services.invitation_revoke(actor=request.user, invitation=invitation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("L'invitation de %(email)s est annulée.") % {"email": invitation.email}
        )
    return redirect("members:account_list")


@require_http_methods(["GET", "POST"])
def invitation_accept(request, token: str):
    """Public page reached from the invitation e-mail: the person chooses a password."""
    if request.user.is_authenticated:
        return render(
            request, "members/invitation_invalid.html", {"reason": "logged_in"}, status=403
        )
    try:
        invitation = Invitation.objects.get_by_token(token)
    except Invitation.DoesNotExist:
        return render(request, "members/invitation_invalid.html", {"reason": "unknown"}, status=404)
    if invitation.status != InvitationStatus.PENDING:
        return render(
            request,
            "members/invitation_invalid.html",
            {"reason": invitation.status},
            status=410,
        )
    form = InvitationAcceptForm(
        data=request.POST or None,
        email=invitation.email,
        initial={"first_name": invitation.first_name, "last_name": invitation.last_name},
    )
    if form.is_valid():
        try:
            user = services.invitation_accept(
                invitation=invitation,
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                password=form.cleaned_data["password1"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            login(request, user, backend="members.backends.EmailBackend")
            messages.success(request, _("Bienvenue ! Votre compte est créé."))
            return redirect("home")
    return render(
        request, "members/invitation_accept.html", {"form": form, "invitation": invitation}
    )


@login_required
@require_GET
def my_account(request):
    return render(request, "members/my_account.html")


urlpatterns = [
    path("comptes/", account_list, name="account_list"),
    path("comptes/inviter/", invitation_create, name="invitation_create"),
    path("comptes/invitations/<int:pk>/renvoyer/", invitation_resend, name="invitation_resend"),
    path("comptes/invitations/<int:pk>/annuler/", invitation_revoke, name="invitation_revoke"),
    path("invitation/<str:token>/", invitation_accept, name="invitation_accept"),
    path("mon-compte/", my_account, name="my_account"),
]
