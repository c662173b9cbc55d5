"""Libraries' user-facing strings that have no Simplified Chinese translation of their own.

django-filter ships only a ``zh_CN`` catalogue, which Django does not load for ``zh-hans``;
django-axes (shown in the admin) has no Chinese at all; django-simple-history's misses a few.
Listing the strings here (never called) lets ``bin/messages accounts`` collect them; the
translations in ``healthpov/accounts/locale`` then apply to those libraries too (Django merges
every app's catalogue into one per language).
"""

from django.utils.translation import gettext_noop

# Django 5.2's admin: captions its zh_Hans catalogue does not translate yet
DJANGO_ADMIN_MESSAGES = [
    # the app list's table captions (admin/app_list.html)
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    # admin/auth/user/add_form.html
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
]

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

# django-axes: its admin pages (login attempts, lockouts)
AXES_MESSAGES = [
    gettext_noop("Access Attempt"),
    gettext_noop("Access lock out"),
    gettext_noop("Attempt Remaining"),
    gettext_noop("Attempt Time"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Expires At"),
    gettext_noop("Failed Logins"),
    gettext_noop("Form Data"),
    gettext_noop("GET Data"),
    gettext_noop("HTTP Accept"),
    gettext_noop("IP Address"),
    gettext_noop("Locked Out"),
    gettext_noop("Logout Time"),
    gettext_noop("Meta Data"),
    gettext_noop("Not set"),
    gettext_noop("POST Data"),
    gettext_noop("Path"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("User Agent"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
]

# django-simple-history: the "Changes" column of the admin's history page
SIMPLE_HISTORY_MESSAGES = [gettext_noop("Changes")]
