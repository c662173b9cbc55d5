"""Build the demo county (泰宁县): places, institutions, users and every app's demo records."""

import importlib

from django.core.management.base import BaseCommand

from healthpov.places.demo import DEMO_PASSWORD, build_places, build_users

# Order matters: later apps build on earlier apps' records.
DEMO_APPS = ["households", "signing", "treatment", "inspections", "remediation", "coverage"]


class Command(BaseCommand):
    help = "Build the demo county with one user per role. Safe to run again."

    def handle(self, *args, **options) -> None:
        county = build_places()
        users = build_users(county)
        for app in DEMO_APPS:
            module = importlib.import_module(f"{app}.demo")
            module.build_demo(county)
            self.stdout.write(f"demo: {app} ready")
        self.stdout.write(self.style.SUCCESS(f"Demo county {county.name} is ready. Logins:"))
        for username, role, place in users:
            self.stdout.write(f"  {username:<12} {DEMO_PASSWORD}   {role} · {place}")
