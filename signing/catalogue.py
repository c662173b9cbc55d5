"""The yearly catalogues of signing: diseases and service packages, and which year's apply.

**In force for year N** (one rule for both kinds): the catalogue of year N if it has one,
otherwise that of the newest earlier year (a county copies or edits a new year's catalogue
only when something changes, see ``signing.services.year_start``); a year before every
catalogue uses the earliest. Forms, the API, ledgers and indicators read the catalogue through
:func:`diseases_in_force`, :func:`packages_in_force` or :class:`Catalogue`, never by filtering
on the year themselves.

``ensure_default_catalogue(year)`` adds the starting disease catalogue's missing rows and never
changes rows an administrator has edited, so the demo, tests and other apps may call it freely.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from signing.models import ChronicKind, Disease, ServicePackage

#: The starting special outpatient disease list (a county replaces it with its province's).
DEFAULT_SPECIAL_DISEASES = (
    "高血压",
    "糖尿病",
    "冠心病",
    "慢性心力衰竭",
    "脑卒中后遗症",
    "慢性肾功能衰竭",
    "恶性肿瘤",
    "器官移植术后抗排异治疗",
    "重性精神病",
    "肺结核",
    "慢性阻塞性肺疾病",
    "肝硬化",
    "慢性病毒性肝炎",
    "类风湿性关节炎",
    "系统性红斑狼疮",
    "帕金森病",
    "癫痫",
    "再生障碍性贫血",
    "血友病",
    "甲状腺功能亢进",
)

#: The four key chronic diseases that need a follow-up every quarter.
KEY_CHRONIC_DISEASES = {
    "高血压": ChronicKind.HYPERTENSION,
    "2型糖尿病": ChronicKind.DIABETES,
    "肺结核": ChronicKind.TUBERCULOSIS,
    "严重精神障碍": ChronicKind.MENTAL,
}

#: The 13 major illnesses of the special treatment in 2018 (seed 000 "13种大病").
DEFAULT_MAJOR_ILLNESSES = (
    "儿童白血病",
    "儿童先天性心脏病",
    "食管癌",
    "胃癌",
    "结肠癌",
    "直肠癌",
    "终末期肾病",
    "肺癌",
    "乳腺癌",
    "宫颈癌",
    "重性精神病",
    "耐多药结核病",
    "艾滋病机会性感染",
)


def default_catalogue_rows() -> dict[str, dict]:
    """Name → flags of the default catalogue."""
    names = dict.fromkeys(
        [*DEFAULT_SPECIAL_DISEASES, *KEY_CHRONIC_DISEASES, *DEFAULT_MAJOR_ILLNESSES]
    )
    return {
        name: {
            "is_special_outpatient": name in DEFAULT_SPECIAL_DISEASES,
            "is_key_chronic": name in KEY_CHRONIC_DISEASES,
            "chronic_kind": KEY_CHRONIC_DISEASES.get(name, ""),
            "is_major_illness": name in DEFAULT_MAJOR_ILLNESSES,
        }
        for name in names
    }


def ensure_default_catalogue(year: int) -> int:
    """Create the default catalogue rows of ``year`` that do not exist yet; returns how many."""
    existing = set(Disease.objects.filter(year=year).values_list("name", flat=True))
    missing = [
        Disease(year=year, name=name, **flags)
        for name, flags in default_catalogue_rows().items()
        if name not in existing
    ]
    Disease.objects.bulk_create(missing)
    return len(missing)


def disease_by_kind(year: int, kind: ChronicKind) -> Disease | None:
    """The key chronic disease of ``kind`` in the catalogue in force in ``year``."""
    return diseases_in_force(year, is_key_chronic=True).filter(chronic_kind=kind).first()


def _year_in_force(year: int, years: Iterable[int]) -> int | None:
    years = set(years)
    earlier = [y for y in years if y <= year]
    if earlier:
        return max(earlier)
    return min(years, default=None)


class Catalogue:
    """The yearly catalogues of diseases with a flag, for finding the one in force in a year.

    The catalogue in force in a year is that year's or, when the year has none, the newest
    earlier one (a county edits a new year's catalogue only when something changes); dates
    before every catalogue use the earliest. One query, whatever the number of rows looked up.
    """

    def __init__(self, **flags: bool) -> None:
        self._diseases = {(d.year, d.name): d for d in Disease.objects.filter(**flags)}
        self.years = sorted({year for year, _name in self._diseases})

    def year_in_force(self, year: int) -> int | None:
        return _year_in_force(year, self.years)

    def find(self, year: int, name: str) -> Disease | None:
        in_force = self.year_in_force(year)
        return None if in_force is None else self._diseases.get((in_force, name))

    def names(self, year: int) -> list[str]:
        in_force = self.year_in_force(year)
        return sorted(name for y, name in self._diseases if y == in_force)


def catalogue_year_in_force(year: int, **flags: bool) -> int | None:
    """The catalogue year in force in ``year`` among diseases with ``flags`` (see Catalogue)."""
    return _year_in_force(
        year, Disease.objects.filter(**flags).values_list("year", flat=True).distinct()
    )


def diseases_in_force(year: int, **flags: bool) -> QuerySet[Disease]:
    """The diseases with ``flags`` of the catalogue in force in ``year``, by name."""
    in_force = catalogue_year_in_force(year, **flags)
    if in_force is None:
        return Disease.objects.none()
    return Disease.objects.filter(year=in_force, **flags).order_by("name")


def package_year_in_force(year: int) -> int | None:
    """The year whose service packages are offered in ``year`` (the same rule as diseases)."""
    return _year_in_force(
        year, ServicePackage.objects.values_list("year", flat=True).distinct().order_by()
    )


def packages_in_force(year: int) -> QuerySet[ServicePackage]:
    """The service packages offered in ``year``."""
    in_force = package_year_in_force(year)
    if in_force is None:
        return ServicePackage.objects.none()
    return ServicePackage.objects.filter(year=in_force).order_by("name")
