"""Treasury: the entrepreneur's own statement on a phone, in plain words, and for the
coordinators and accountants every account's balance and one account's statement."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.db.models.functions import Lower
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from coop.forms_accounting import TreasuryListForm, TreasuryMonthsForm
from coop.treasury import (
    members_with_accounts,
    treasury_members_visible_to,
    treasury_statement,
    with_account_figures,
)
from members.views.common import require_perm

ACCOUNTS_PER_PAGE = 50


@login_required
@require_GET
def my_treasury(request):
    require_perm(request.user, "coop.view_own_treasury")
    form = TreasuryMonthsForm(request.GET or None)
    member = treasury_members_visible_to(request.user).first()
    statement = None
    if member is not None:
        statement = treasury_statement(member, months=form.months_or_default())
    return render(request, "coop/treasury/my_treasury.html", {"form": form, "statement": statement})


@login_required
@require_GET
def treasury_list(request):
    require_perm(request.user, "coop.view_treasury")
    today = timezone.localdate()
    form = TreasuryListForm(request.GET or None, today=today)
    valid = not form.is_bound or form.is_valid()
    members = members_with_accounts(treasury_members_visible_to(request.user))
    for word in form.words():
        members = members.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    year = form.chosen_year()
    accounts = (
        with_account_figures(members, year=year, today=today).order_by(
            Lower("last_name"), Lower("first_name"), "pk"
        )
        if valid
        else members.none()
    )
    page = Paginator(accounts, ACCOUNTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "coop/treasury/list.html",
        {"form": form, "filters_valid": valid, "page": page, "year": year},
    )


@login_required
@require_GET
def treasury_detail(request, pk: int):
    require_perm(request.user, "coop.view_treasury", "coop.view_own_treasury")
    member = get_object_or_404(treasury_members_visible_to(request.user), pk=pk)
    if not request.user.has_perm("coop.view_treasury"):
        # An entrepreneur's own statement is their phone page.
        return redirect("coop:my_treasury")
    form = TreasuryMonthsForm(request.GET or None)
    statement = treasury_statement(member, months=form.months_or_default())
    return render(
        request,
        "coop/treasury/detail.html",
        {"form": form, "statement": statement, "member": member},
    )


urlpatterns = [
    path("ma-tresorerie/", my_treasury, name="my_treasury"),
    path("tresorerie/", treasury_list, name="treasury_list"),
    path("tresorerie/<int:pk>/", treasury_detail, name="treasury_detail"),
]
