"""``get_FOO_display()`` through :class:`healthpov.choices.ChoiceLabels`: the same labels as
Django's, in the active language, for every model of the project."""

import pytest
from django.apps import apps
from django.utils import translation

from healthpov.choices import ChoiceLabels
from households.models import Person, PersonStatus, Relation


def test_labels_follow_the_active_language():
    person = Person(relation=Relation.HEAD, status=PersonStatus.DIED)

    with translation.override("zh-hans"):
        assert person.get_relation_display() == "户主"
    with translation.override("en"):
        assert person.get_relation_display() == "Head of household"
        assert person.get_status_display() == "Died"
    with translation.override("zh-hans"):
        assert person.get_relation_display() == "户主"


def test_a_value_that_is_not_a_choice_is_shown_as_it_is():
    assert Person(relation="lodger").get_relation_display() == "lodger"
    assert Person(relation=None).get_relation_display() is None


def test_labels_are_plain_strings_equal_to_djangos():
    from django.db import models

    field = Person._meta.get_field("status")
    for value, _label in field.flatchoices:
        person = Person(status=value)
        with translation.override("zh-hans"):
            ours = person.get_status_display()
            django_s = models.Model._get_FIELD_display(person, field)
        assert type(ours) is str
        assert ours == django_s


def _project_models():
    for model in apps.get_models():
        module = model.__module__
        if module.startswith(("django.", "axes.", "rest_framework.")) or model.__name__.startswith(
            "Historical"
        ):
            continue
        yield model


@pytest.mark.parametrize("model", list(_project_models()), ids=lambda m: m.__name__)
def test_every_model_with_choices_uses_the_cached_labels(model):
    if any(field.choices for field in model._meta.concrete_fields):
        assert issubclass(model, ChoiceLabels), f"{model.__name__}: add ChoiceLabels to its bases"
