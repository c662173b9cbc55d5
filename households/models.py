"""The registry: poverty households and their members (建档立卡贫困户 / 贫困人口).

Nobody is deleted: status changes and departures from a roster are kept as dated history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from healthpov.places.models import Place
from healthpov.places.scoping import ScopedQuerySet


class HouseholdType(models.TextChoices):
    GENERAL = "general", _("General poor household")  # 一般贫困户
    LOW_INCOME = "low_income", _("Subsistence-allowance household")  # 低保贫困户
    DESTITUTE = "destitute", _("Destitute-support household")  # 特困供养贫困户


class PovertyStatus(models.TextChoices):
    NOT_OUT = "not_out", _("Not out of poverty")  # 未脱贫
    OUT = "out", _("Out of poverty")  # 已脱贫
    UNSTABLE = "unstable", _("Out but unstable")  # 脱贫不稳定户
    MARGINAL = "marginal", _("Marginal, prone to poverty")  # 边缘易致贫户
    SUDDEN_HARDSHIP = "sudden_hardship", _("Sudden severe hardship")  # 突发严重困难户


class Cause(models.TextChoices):
    ILLNESS = "illness", _("Illness")  # 因病
    DISABILITY = "disability", _("Disability")  # 因残
    EDUCATION = "education", _("Schooling")  # 因学
    DISASTER = "disaster", _("Disaster")  # 因灾
    LABOUR = "labour", _("Lack of labour")  # 缺劳力
    SKILLS = "skills", _("Lack of skills")  # 缺技术
    FUNDS = "funds", _("Lack of funds")  # 缺资金
    LAND = "land", _("Lack of land")  # 缺土地
    WATER = "water", _("Lack of water")  # 缺水
    TRANSPORT = "transport", _("Poor transport")  # 交通条件落后
    MOTIVATION = "motivation", _("Lack of motivation")  # 自身发展动力不足


class Relation(models.TextChoices):
    HEAD = "head", _("Head of household")  # 户主
    SPOUSE = "spouse", _("Spouse")  # 配偶
    SON = "son", _("Son")  # 之子
    DAUGHTER = "daughter", _("Daughter")  # 之女
    FATHER = "father", _("Father")  # 之父
    MOTHER = "mother", _("Mother")  # 之母
    GRANDSON = "grandson", _("Grandson")  # 之孙子
    GRANDDAUGHTER = "granddaughter", _("Granddaughter")  # 之孙女
    DAUGHTER_IN_LAW = "daughter_in_law", _("Daughter-in-law")  # 之儿媳
    SON_IN_LAW = "son_in_law", _("Son-in-law")  # 之女婿
    OTHER = "other", _("Other")  # 其他


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Health(models.TextChoices):
    HEALTHY = "healthy", _("Healthy")  # 健康
    CHRONIC = "chronic", _("Long-term chronic disease")  # 长期慢性病
    MAJOR = "major", _("Major illness")  # 患有大病
    DISABLED = "disabled", _("Disabled")  # 残疾


class PersonStatus(models.TextChoices):
    NORMAL = "normal", _("Normal")  # 正常
    DIED = "died", _("Died")  # 死亡
    MOVED_OUT = "moved_out", _("Moved out")  # 外迁
    MARRIED_OUT = "married_out", _("Married out")  # 外嫁
    MISSING = "missing", _("Whereabouts unknown")  # 下落不明
    AWAY = "away", _("Away long-term")  # 长期外出
    PRISON = "prison", _("Serving a sentence")  # 服刑
    ARMY = "army", _("Joined the army")  # 参军


class Household(models.Model):
    number = models.CharField(_("household number"), max_length=40, unique=True)
    township = models.ForeignKey(
        Place, verbose_name=_("township"), on_delete=models.PROTECT, related_name="+"
    )
    village = models.ForeignKey(
        Place, verbose_name=_("village"), on_delete=models.PROTECT, related_name="households"
    )
    head_name = models.CharField(_("head of household"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    registration_year = models.PositiveSmallIntegerField(_("registration year"), null=True, blank=True)
    household_type = models.CharField(
        _("household type"), max_length=20, choices=HouseholdType.choices, default=HouseholdType.GENERAL
    )
    poverty_status = models.CharField(
        _("poverty status"), max_length=20, choices=PovertyStatus.choices, default=PovertyStatus.NOT_OUT
    )
    main_cause = models.CharField(_("main cause"), max_length=20, choices=Cause.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    objects = ScopedQuerySet.as_manager()
    scope_place_lookup = "village"

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["number"]
        indexes = [models.Index(fields=["village", "poverty_status"])]

    def __str__(self) -> str:
        return f"{self.number} {self.head_name}".strip()


class Person(models.Model):
    id_number = models.CharField(_("resident ID number"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=50)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"))
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="members"
    )
    relation = models.CharField(_("relation to head"), max_length=20, choices=Relation.choices)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    insured = models.BooleanField(_("insured"), default=True)
    health = models.CharField(_("health"), max_length=20, choices=Health.choices, default=Health.HEALTHY)
    status = models.CharField(
        _("person status"), max_length=20, choices=PersonStatus.choices, default=PersonStatus.NORMAL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = ScopedQuerySet.as_manager()
    scope_place_lookup = "household__village"

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["household__number", "id"]

    def __str__(self) -> str:
        return self.name
