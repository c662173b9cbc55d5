"""The default disease catalogue as the base year's, so a new county can import ledgers at once.

Ledgers look a disease up in the catalogue of the newest year not after the row's date (the
earliest catalogue for older dates). Without any catalogue every disease row of a fresh
installation would fail; administrators edit this one or add later years in the admin.
The list is frozen here as it was when this migration was written (signing/catalogue.py).
"""

from django.db import migrations

BASE_YEAR = 2016  # the first year of the health-poverty programme (健康扶贫工程)

# (name, special outpatient, key chronic, chronic kind, major illness)
CATALOGUE = [
    ("高血压", True, True, "hypertension", False),
    ("糖尿病", True, False, "", False),
    ("冠心病", True, False, "", False),
    ("慢性心力衰竭", True, False, "", False),
    ("脑卒中后遗症", True, False, "", False),
    ("慢性肾功能衰竭", True, False, "", False),
    ("恶性肿瘤", True, False, "", False),
    ("器官移植术后抗排异治疗", True, False, "", False),
    ("重性精神病", True, False, "", True),
    ("肺结核", True, True, "tuberculosis", False),
    ("慢性阻塞性肺疾病", True, False, "", False),
    ("肝硬化", True, False, "", False),
    ("慢性病毒性肝炎", True, False, "", False),
    ("类风湿性关节炎", True, False, "", False),
    ("系统性红斑狼疮", True, False, "", False),
    ("帕金森病", True, False, "", False),
    ("癫痫", True, False, "", False),
    ("再生障碍性贫血", True, False, "", False),
    ("血友病", True, False, "", False),
    ("甲状腺功能亢进", True, False, "", False),
    ("2型糖尿病", False, True, "diabetes", False),
    ("严重精神障碍", False, True, "mental", False),
    ("儿童白血病", False, False, "", True),
    ("儿童先天性心脏病", False, False, "", True),
    ("食管癌", False, False, "", True),
    ("胃癌", False, False, "", True),
    ("结肠癌", False, False, "", True),
    ("直肠癌", False, False, "", True),
    ("终末期肾病", False, False, "", True),
    ("肺癌", False, False, "", True),
    ("乳腺癌", False, False, "", True),
    ("宫颈癌", False, False, "", True),
    ("耐多药结核病", False, False, "", True),
    ("艾滋病机会性感染", False, False, "", True),
]


def add_base_catalogue(apps, schema_editor):
    Disease = apps.get_model("signing", "Disease")
    existing = set(Disease.objects.filter(year=BASE_YEAR).values_list("name", flat=True))
    Disease.objects.bulk_create(
        Disease(
            year=BASE_YEAR,
            name=name,
            is_special_outpatient=special,
            is_key_chronic=chronic,
            chronic_kind=kind,
            is_major_illness=major,
        )
        for name, special, chronic, kind, major in CATALOGUE
        if name not in existing
    )


class Migration(migrations.Migration):
    dependencies = [("signing", "0002_signing_records")]

    operations = [migrations.RunPython(add_base_catalogue, migrations.RunPython.noop)]
