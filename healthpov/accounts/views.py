from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from healthpov.places.scoping import places_visible_to


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """One home page per role: each shows the work that role starts from."""
    user = request.user
    if user.is_county_level:
        template = "accounts/home_county.html"
    elif user.role == user.Role.INSPECTOR:
        template = "accounts/home_inspector.html"
    else:
        template = "accounts/home_township.html"
    places = places_visible_to(user).filter(level__in=["county", "township"])
    return render(request, template, {"places": places})
