"""Build the demo county (泰宁县): places, institutions, users and every app's demo records."""

from django.core.management.base import BaseCommand

from coverage import demo as coverage_demo
from healthpov.places.demo import DEMO_PASSWORD, build_places, build_users
from households import demo as households_demo
from inspections import demo as inspections_demo
from remediation import demo as remediation_demo
from signing import demo as signing_demo
from treatment import demo as treatment_demo

# Order matters: later apps build on earlier apps' records.
DEMO_APPS = [
    ("households", households_demo),
    ("signing", signing_demo),
    ("treatment", treatment_demo),
    ("inspections", inspections_demo),
    ("remediation", remediation_demo),
    ("coverage", coverage_demo),
]


class Command(BaseCommand):
    help = "Build the demo county with one user per role. Safe to run again."

    def handle(self, *args, **options) -> None:
        county = build_places()
        users = build_users(county)
        for app, module in DEMO_APPS:
            module.build_demo(county)
            self.stdout.write(f"demo: {app} ready")
        self.stdout.write(self.style.SUCCESS(f"Demo county {county.name} is ready. Logins:"))
        for username, role, place in users:
            self.stdout.write(f"  {username:<12} {DEMO_PASSWORD}   {role} · {place}")
