"""The unallocated list: people imported without a team, waiting for a manager of their PDU (or
an administrator, for the national list) to allocate them."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from ippcase.caseload.selectors import unallocated_people
from ippcase.core.http import AppRequest, role_required
from ippcase.vocab import Role

UNALLOCATED_PAGE_SIZE = 50


@require_GET
@role_required("ippcase.view_unallocated")
def unallocated(request: AppRequest) -> HttpResponse:
    user = request.user
    page = Paginator(unallocated_people(user), UNALLOCATED_PAGE_SIZE).get_page(
        request.GET.get("page", 1)
    )
    # Every row in scope is one the administrators and the PDU's managers may open and allocate
    # (ippcase.view_person, ippcase.transfer_case); a local administrator sees the list only.
    can_allocate = user.has_role(Role.ADMIN, Role.MANAGER, Role.SENIOR_MANAGER)
    rows = [(person, reverse("transfer_case", args=[person.crn])) for person in page.object_list]
    context = {"page": page, "rows": rows, "can_allocate": can_allocate}
    return render(request, "ippcase/unallocated.html", context)
