from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from healthpov.accounts import selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """One home page per role: each shows the work that role starts from."""
    user = request.user
    if user.is_superuser or user.role == user.Role.ADMIN:
        return render(request, "accounts/home_admin.html")
    if user.role == user.Role.INSPECTOR:
        groups = selectors.inspection_assignments(user)
        return render(request, "accounts/home_inspector.html", {"groups": groups})
    if user.is_county_level:
        rows = selectors.township_counts(user)
        context = {
            "rows": rows,
            "total": selectors.totals(rows),
            # A city or province user sees several counties: name each township's county.
            "show_parent": len({row.place.parent_id for row in rows}) > 1,
        }
        return render(request, "accounts/home_county.html", context)
    rows = selectors.village_counts(user)
    context = {"rows": rows, "total": selectors.totals(rows)}
    return render(request, "accounts/home_township.html", context)
