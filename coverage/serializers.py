from rest_framework import serializers

from coverage.models import Snapshot
from healthpov.api_fields import ScopedModelSerializer


class IndicatorSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    kind = serializers.ChoiceField(choices=["count", "sum", "rate"])
    unit = serializers.CharField(
        help_text="What the drill-down list shows: person, household, record, case, stay."
    )
    numerator = serializers.CharField(allow_null=True)
    denominator = serializers.CharField(allow_null=True)
    auxiliary = serializers.BooleanField()
    available = serializers.BooleanField()


class SnapshotSerializer(ScopedModelSerializer):
    place_name = serializers.CharField(source="place.name", read_only=True)
    level = serializers.CharField(source="place.level", read_only=True)
    value = serializers.DecimalField(
        max_digits=20, decimal_places=6, coerce_to_string=False, allow_null=True
    )

    class Meta:
        model = Snapshot
        fields = [
            "id",
            "date",
            "year",
            "place",
            "place_name",
            "level",
            "code",
            "value",
            "computed_at",
        ]


class PlaceFiguresSerializer(serializers.Serializer):
    place = serializers.CharField()
    place_id = serializers.IntegerField()
    level = serializers.CharField()
    values = serializers.DictField(child=serializers.FloatField(allow_null=True))
