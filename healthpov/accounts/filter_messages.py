"""django-filter's user-facing strings, so that they land in accounts' Chinese catalogue.

django-filter ships only a ``zh_CN`` catalogue, which Django does not load for ``zh-hans``.
Listing the strings here (never called) lets ``bin/messages accounts`` collect them; the
translations in ``healthpov/accounts/locale`` then apply to django-filter's forms too.
"""

from django.utils.translation import gettext_noop

DJANGO_FILTER_MESSAGES = [
    # Choices and widgets
    gettext_noop("All"),
    gettext_noop("Unknown"),
    gettext_noop("Yes"),
    gettext_noop("No"),
    gettext_noop("Today"),
    gettext_noop("Yesterday"),
    gettext_noop("Past 7 days"),
    gettext_noop("This month"),
    gettext_noop("This year"),
    gettext_noop("Multiple values may be separated by commas."),
    gettext_noop("%s (descending)"),
    gettext_noop("Ordering"),
    gettext_noop("Submit"),
    gettext_noop("Field filters"),
    gettext_noop("Select a lookup."),
    gettext_noop("Range query expects two values."),
    gettext_noop("exclude"),
    # Lookup names, used in generated filter labels ("name contains")
    gettext_noop("contains"),
    gettext_noop("is in"),
    gettext_noop("is greater than"),
    gettext_noop("is greater than or equal to"),
    gettext_noop("is less than"),
    gettext_noop("is less than or equal to"),
    gettext_noop("starts with"),
    gettext_noop("ends with"),
    gettext_noop("is in range"),
    gettext_noop("is null"),
    gettext_noop("matches regex"),
    gettext_noop("search"),
    gettext_noop("is contained by"),
    gettext_noop("overlaps"),
    gettext_noop("has key"),
    gettext_noop("has keys"),
    gettext_noop("has any keys"),
    gettext_noop("date"),
    gettext_noop("year"),
    gettext_noop("month"),
    gettext_noop("day"),
    gettext_noop("week day"),
    gettext_noop("hour"),
    gettext_noop("minute"),
    gettext_noop("second"),
]
