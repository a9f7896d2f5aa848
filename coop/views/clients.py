"""The client directory: schools, local authorities, companies, associations, health and
social establishments, private persons; their contacts and missions. Kept by the
coordinators, read by administrators and accountants. Entrepreneurs never browse it:
they add a client while proposing a mission (activities:mission_propose)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from activities.models import Mission
from coop import services
from coop.forms import ClientFilter, ClientForm, ContactForm
from coop.models import Client, ClientContact
from members.models import Member
from members.views.common import apply_validation_error, require_perm

CLIENTS_PER_PAGE = 50
MISSIONS_PER_PAGE = 20


def _get_client(request, pk: int, perm: str, clients=None) -> Client:
    require_perm(request.user, perm)
    clients = Client.objects if clients is None else clients
    return get_object_or_404(clients.visible_to(request.user), pk=pk)


def _render_form(request, form, *, client=None, title, submit, lead=""):
    return render(
        request,
        "coop/clients/form.html",
        {"form": form, "client": client, "title": title, "submit": submit, "lead": lead},
    )


@login_required
@require_GET
def client_list(request):
    require_perm(request.user, "coop.view_clients")
    filterset = ClientFilter(request.GET, user=request.user)
    clients = filterset.qs if filterset.is_valid() else Client.objects.none()
    page = Paginator(clients, CLIENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "coop/clients/list.html",
        {
            "form": filterset.form,
            "filters_valid": filterset.is_valid(),
            "page": page,
            "can_manage": request.user.has_perm("coop.manage_clients"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def client_create(request):
    require_perm(request.user, "coop.manage_clients")
    form = ClientForm(data=request.POST or None)
    if form.is_valid():
        try:
            client = services.client_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Le client %(name)s est ajouté.") % {"name": client.name})
            return redirect("coop:client_detail", pk=client.pk)
    return _render_form(request, form, title=_("Nouveau client"), submit=_("Ajouter le client"))


@login_required
@require_GET
def client_detail(request, pk: int):
    client = _get_client(
        request,
        pk,
        "coop.view_clients",
        Client.objects.select_related("created_by").prefetch_related(
            Prefetch("contacts", queryset=ClientContact.objects.order_by("name", "pk"))
        ),
    )
    missions = (
        Mission.objects.visible_to(request.user)
        .filter(client=client)
        .order_by("-starts_on", "-pk")
        .prefetch_related(
            Prefetch("entrepreneurs", queryset=Member.objects.order_by("last_name", "first_name"))
        )
    )
    page = Paginator(missions, MISSIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "coop/clients/detail.html",
        {
            "client": client,
            "contacts": list(client.contacts.all()),
            "page": page,
            "can_manage": request.user.has_perm("coop.manage_clients"),
            "can_create_mission": request.user.has_perm("activities.manage_missions"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def client_edit(request, pk: int):
    client = _get_client(request, pk, "coop.manage_clients")
    form = ClientForm(data=request.POST or None, initial=ClientForm.initial_for(client))
    if form.is_valid():
        try:
            services.client_update(actor=request.user, client=client, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("La fiche du client est enregistrée."))
            return redirect("coop:client_detail", pk=client.pk)
    return _render_form(
        request,
        form,
        client=client,
        title=_("Modifier le client %(name)s") % {"name": client.name},
        submit=_("Enregistrer"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_add(request, pk: int):
    client = _get_client(request, pk, "coop.manage_clients")
    form = ContactForm(data=request.POST or None)
    if form.is_valid():
        try:
            contact = services.client_contact_add(
                actor=request.user, client=client, **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request, _("%(name)s est ajouté·e aux contacts.") % {"name": contact.name}
            )
            return redirect("coop:client_detail", pk=client.pk)
    return _render_form(
        request,
        form,
        client=client,
        title=_("Ajouter un contact"),
        lead=client.name,
        submit=_("Ajouter le contact"),
    )


urlpatterns = [
    path("clients/", client_list, name="client_list"),
    path("clients/nouveau/", client_create, name="client_create"),
    path("clients/<int:pk>/", client_detail, name="client_detail"),
    path("clients/<int:pk>/modifier/", client_edit, name="client_edit"),
    path("clients/<int:pk>/contacts/ajouter/", contact_add, name="contact_add"),
]
