"""Field work on a phone: the offline package, the kinds of offline record and the sync
(docs/field-sync.md)."""
