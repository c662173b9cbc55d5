"""Events the ground carries between apps that must not import each other.

``registry_changed`` is sent by the registry (households, below every other app) when a roster
import was applied or undone, inside the transaction that wrote it, with ``years``: the roster
years whose figures changed, and ``places``: ids of the places (townships) under which every
change lies, or ``None`` when that is not known (every place). Apps above the registry
subscribe (coverage queues its recompute of those years and places through the job outbox, so
the job is kept with that transaction and sent after it commits). A receiver only calls one of
its app's services.
"""

from django.dispatch import Signal

registry_changed = Signal()
