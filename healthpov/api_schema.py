"""Schema post-processing: document the error answers every API operation can give.

drf-spectacular documents only the success answer of a list, so a client (and schemathesis)
meets undocumented 400 (bad filter value), 401/403 (no or wrong credentials), 404 (a page past
the end, or a record outside the caller's places) and 409 (a conflicting write). The texts are
for developers reading the schema, so they stay in English.
"""

from __future__ import annotations

ERROR_ANSWERS = {
    "400": "Invalid parameters or body; the answer names the fields.",
    "401": "Not signed in (no or unknown token).",
    "403": "Signed in, but this role may not do this.",
    "404": "Not found, or outside the places the caller may see.",
}
WRITE_METHODS = {"post", "put", "patch", "delete"}


def document_error_answers(result, generator, request, public):
    for methods in result.get("paths", {}).values():
        for method, operation in methods.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for code, text in ERROR_ANSWERS.items():
                operation["responses"].setdefault(code, {"description": text})
            if method in WRITE_METHODS:
                operation["responses"].setdefault(
                    "409", {"description": "Conflicts with an existing record or state."}
                )
    return result
