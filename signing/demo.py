"""Demo records of the signing app for the demo county (called by ``seed_demo``, idempotent)."""

from healthpov.places.models import Place


def build_demo(county: Place) -> None:
    """Nothing yet."""
