"""What a user is told when a number cannot be registered from their account.

One text whether the number is already on the user's own roster, stored for another township,
or refused for any other reason of scope: it never says where, or whether, the number is
registered (forms and imports alike).
"""

from django.utils.translation import gettext_lazy as _

ID_NOT_REGISTRABLE = _(
    "This ID number cannot be registered from this account. If you cannot find the person "
    "on your roster, ask the county health bureau to check it."
)
HOUSEHOLD_NUMBER_NOT_REGISTRABLE = _(
    "This household number cannot be registered from this account. If you cannot find the "
    "household on your roster, ask the county health bureau to check it."
)
