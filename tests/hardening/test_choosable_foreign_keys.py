"""Every foreign key a user can set, in every API serializer and every form, offers only what
that user may choose: township B's objects are refused to township A's user.

The walk is generic: every serializer of every ``api`` module and every form of every ``forms``
module is found by introspection, so a new writable relation is tested without being listed.
Forms need their constructor arguments: a form with a model choice field that is missing from
``FORM_BUILDERS`` fails the test, saying which.
"""

import inspect
from types import SimpleNamespace

import pytest
from django import forms
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.test import APIClient, APIRequestFactory

import coverage.serializers
import healthpov.accounts.api
import households.api
import households.forms
import inspections.api
import inspections.forms
import remediation.api
import remediation.forms
import signing.api
import signing.forms
import treatment.api
import treatment.forms
from healthpov.places.models import Institution, Place
from inspections.models import Campaign, ChecklistItem
from signing.models import Disease, ServicePackage
from tests.factories import InstitutionFactory
from tests.households.factories import HouseholdFactory, PersonFactory
from tests.inspections.factories import CampaignFactory, ChecklistItemFactory, FindingFactory
from tests.remediation.factories import ItemFactory
from tests.signing.factories import TeamFactory
from tests.treatment.factories import CaseFactory, MajorDiseaseFactory
from treatment.models import MajorIllnessCase

API_MODULES = [
    healthpov.accounts.api,
    households.api,
    signing.api,
    treatment.api,
    inspections.api,
    remediation.api,
    coverage.serializers,
]
FORM_MODULES = [
    households.forms,
    signing.forms,
    treatment.forms,
    inspections.forms,
    remediation.forms,
]
# County-wide reference lists: they hold no data of a place, every user may pick them.
REFERENCE_MODELS = {Disease, ServicePackage}


@pytest.fixture
def of_b(cast, county):
    """One object of township B for every model a relation can point to."""
    household = HouseholdFactory(village=cast.village_b)
    person = PersonFactory(household=household)
    campaign_b = CampaignFactory(place=cast.township_b)
    objects = {
        Place: cast.village_b,
        Institution: cast.centre_b,
        type(household): household,
        type(person): person,
        MajorIllnessCase: CaseFactory(person=person),
        Campaign: campaign_b,
        ChecklistItem: ChecklistItemFactory(campaign=campaign_b),
    }
    team = TeamFactory(institution=cast.centre_b)
    objects[type(team)] = team
    finding = FindingFactory(campaign=campaign_b, place=cast.township_b, township=cast.township_b)
    objects[type(finding)] = finding
    item = ItemFactory(township=cast.township_b)
    objects[type(item)] = item
    objects[type(cast.user_b)] = cast.user_b
    return objects


def _classes(modules, base):
    for module in modules:
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, base) and cls.__module__ == module.__name__:
                yield cls


def _writable_relations(serializer):
    for name, field in serializer.fields.items():
        if field.read_only:
            continue
        if isinstance(field, serializers.ManyRelatedField):
            yield name, field.child_relation, True
        elif isinstance(field, serializers.RelatedField):
            yield name, field, False


SERIALIZERS = sorted(
    (
        cls
        for cls in _classes(API_MODULES, serializers.Serializer)
        # a ModelSerializer without Meta is a base of others, tested through them
        if not (issubclass(cls, serializers.ModelSerializer) and not hasattr(cls, "Meta"))
    ),
    key=lambda c: c.__qualname__,
)


@pytest.mark.parametrize("serializer_class", SERIALIZERS, ids=lambda c: c.__qualname__)
def test_api_relations_refuse_another_townships_objects(serializer_class, cast, of_b):
    request = APIRequestFactory().post("/")
    request.user = cast.user_a
    serializer = serializer_class(context={"request": SimpleNamespace(user=cast.user_a)})

    for name, field, many in _writable_relations(serializer):
        model = field.queryset.model if field.queryset is not None else field.get_queryset().model
        if model in REFERENCE_MODELS:
            assert getattr(model, "scope_place_lookup", None) is None
            continue
        assert model in of_b, f"{serializer_class.__qualname__}.{name}: add a B {model.__name__}"
        value = [of_b[model].pk] if many else of_b[model].pk
        bound = serializer.fields[name]
        with pytest.raises(ValidationError):
            bound.run_validation(value)


def _form_builders(cast):
    user = cast.user_a
    campaign = CampaignFactory(place=cast.county)
    return {
        households.forms.HouseholdForm: lambda: households.forms.HouseholdForm(user=user),
        signing.forms.ContractForm: lambda: signing.forms.ContractForm(
            members=[], user=user, year=2026
        ),
        signing.forms.HealthCheckForm: lambda: signing.forms.HealthCheckForm(
            members=[], user=user, year=2026
        ),
        signing.forms.ChronicForm: lambda: signing.forms.ChronicForm(
            members=[], user=user, year=2026
        ),
        signing.forms.DiagnosisForm: lambda: signing.forms.DiagnosisForm(
            members=[], user=user, year=2026
        ),
        treatment.forms.CaseForm: lambda: treatment.forms.CaseForm(user=user),
        inspections.forms.GroupForm: lambda: inspections.forms.GroupForm(user=user),
        inspections.forms.FindingForm: lambda: inspections.forms.FindingForm(
            campaign=campaign, user=user
        ),
        remediation.forms.ItemForm: lambda: remediation.forms.ItemForm(user=user),
        remediation.forms.FeedbackItemForm: lambda: remediation.forms.FeedbackItemForm(user=user),
        remediation.forms.FilterForm: lambda: remediation.forms.FilterForm(user=user),
        remediation.forms.AccountabilityForm: lambda: remediation.forms.AccountabilityForm(
            user=user
        ),
    }


FORMS = sorted(
    (
        cls
        for cls in _classes(FORM_MODULES, forms.BaseForm)
        if any(isinstance(f, forms.ModelChoiceField) for f in cls.base_fields.values())
    ),
    key=lambda c: f"{c.__module__}.{c.__qualname__}",
)


@pytest.mark.parametrize("form_class", FORMS, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_form_choices_refuse_another_townships_objects(form_class, cast, of_b):
    builders = _form_builders(cast)
    assert form_class in builders, f"add {form_class.__qualname__} to _form_builders"
    form = builders[form_class]()

    for name, field in form.fields.items():
        if not isinstance(field, forms.ModelChoiceField):
            continue
        model = field.queryset.model
        if model in REFERENCE_MODELS:
            continue
        if form_class is inspections.forms.GroupForm and model is type(cast.user_b):
            continue  # members: inspectors are county staff, chosen by the county
        assert model in of_b, f"{form_class.__qualname__}.{name}: add a B {model.__name__}"
        assert not field.queryset.filter(pk=of_b[model].pk).exists(), (form_class, name)


# --- hospitals: what a township user may name (healthpov.places.scoping) ----------------


@pytest.fixture
def api_a(user_a):
    client = APIClient()
    client.force_authenticate(user_a)
    return client


@pytest.fixture
def person_a(village_a):
    return PersonFactory(household=HouseholdFactory(village=village_a))


@pytest.fixture
def county_hospital(county):
    return InstitutionFactory(
        name="泰宁县总医院", kind=Institution.Kind.COUNTY_HOSPITAL, place=county
    )


def health_check(api, person, institution):
    body = {"person": person.pk, "checked_on": "2026-03-01", "institution": institution.pk}
    return api.post("/api/signing/health-checks/", body, format="json")


def test_health_check_at_another_townships_centre_is_refused(api_a, person_a, centre_b):
    response = health_check(api_a, person_a, centre_b)

    assert response.status_code == 400
    assert "institution" in response.json()


def test_health_check_at_the_county_hospital_is_accepted(api_a, person_a, county_hospital):
    assert health_check(api_a, person_a, county_hospital).status_code == 201


def stay(api, person, hospital):
    body = {
        "person": person.pk,
        "hospital": hospital.pk,
        "admitted_on": "2026-03-01",
        "discharged_on": "2026-03-05",
        "total_cost": "1000.00",
        "policy_cost": "900.00",
        "basic_insurance": "900.00",
        "personal_payment": "100.00",
    }
    return api.post("/api/treatment/stays/", body, format="json")


def test_stay_at_another_townships_centre_is_refused(api_a, person_a, centre_b):
    response = stay(api_a, person_a, centre_b)

    assert response.status_code == 400
    assert "hospital" in response.json()


def test_stay_at_the_county_hospital_is_accepted(api_a, person_a, county_hospital):
    assert stay(api_a, person_a, county_hospital).status_code == 201


def case(api, person, hospital):
    body = {
        "person": person.pk,
        "disease": MajorDiseaseFactory().pk,
        "screening_date": "2026-03-01",
        "hospital": hospital.pk,
    }
    return api.post("/api/treatment/cases/", body, format="json")


def test_case_with_another_townships_hospital_is_refused(api_a, person_a, centre_b):
    response = case(api_a, person_a, centre_b)

    assert response.status_code == 400
    assert "hospital" in response.json()


def test_case_with_the_county_hospital_is_accepted(api_a, person_a, county_hospital):
    assert case(api_a, person_a, county_hospital).status_code == 201


def test_another_townships_centre_typed_as_text_stays_text(api_a, person_a, centre_b):
    body = {
        "person": person_a.pk,
        "hospital_name": centre_b.name,
        "admitted_on": "2026-03-01",
        "discharged_on": "2026-03-05",
        "total_cost": "1000.00",
        "policy_cost": "900.00",
        "basic_insurance": "900.00",
        "personal_payment": "100.00",
    }
    response = api_a.post("/api/treatment/stays/", body, format="json")

    assert response.status_code == 201
    assert response.json()["hospital"] is None
    assert response.json()["hospital_name"] == centre_b.name
