"""The masking filters every template uses for personal data (``{% load masking %}``).

``{{ person.id_number|mask_id }}`` → ``350429********1234``; ``{{ person.phone|mask_phone }}``
→ ``138****5678``. A page shows a full value only through an audited reveal view
(:mod:`healthpov.accounts.audit`).
"""

from django import template

from healthpov.accounts.masking import mask_id_number, mask_phone

register = template.Library()

register.filter("mask_id", mask_id_number)
register.filter("mask_phone", mask_phone)
