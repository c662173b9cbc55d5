"""Foreign keys in the API are limited to what the caller may choose.

Every ``ModelSerializer`` of the project derives from :class:`ScopedModelSerializer`, so every
related field it builds (foreign keys and many-to-many alike) offers only
:func:`healthpov.places.scoping.choosable_by` the requesting user: another township's id is
refused as "does not exist", the same answer as an id that does not exist.
"""

from rest_framework import serializers

from healthpov.places.models import Institution
from healthpov.places.scoping import choosable_by, hospitals_choosable_by


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return choosable_by(self.context["request"].user, super().get_queryset())


class HospitalField(serializers.PrimaryKeyRelatedField):
    """A hospital or health-check institution: see ``hospitals_choosable_by``."""

    def __init__(self, *, model_field=None, **kwargs) -> None:
        kwargs.setdefault("queryset", Institution.objects.all())  # the schema's type
        if model_field is not None:
            kwargs.setdefault("label", model_field.verbose_name)
        super().__init__(**kwargs)

    def get_queryset(self):
        return hospitals_choosable_by(self.context["request"].user)


class ScopedModelSerializer(serializers.ModelSerializer):
    serializer_related_field = ScopedRelatedField
