"""Form fields that offer places by their label (杉城镇·龙湖村), labelled in one query."""

from __future__ import annotations

from django import forms
from django.forms.models import ModelChoiceIterator

from healthpov.places.models import Place, label_places


class PlaceChoiceIterator(ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for place in label_places(self.queryset):
            yield self.choice(place)


class PlaceChoiceField(forms.ModelChoiceField):
    iterator = PlaceChoiceIterator

    def label_from_instance(self, obj: Place) -> str:
        return obj.label


class PlaceMultipleChoiceField(forms.ModelMultipleChoiceField):
    iterator = PlaceChoiceIterator

    def label_from_instance(self, obj: Place) -> str:
        return obj.label
