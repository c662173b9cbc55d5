"""Walks the project's URL patterns: the pages a hardening test can open without arguments."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name" or "" when unnamed
    pattern: str  # the regex/route text joined along the way, for messages
    path: str | None  # a concrete path when the route takes no arguments


def _walk(patterns, prefix: str, namespace: str):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = entry.name or ""
            if name and namespace:
                name = f"{namespace}:{name}"
            yield prefix + str(entry.pattern), name


def _concrete(pattern: str) -> str | None:
    """The path of a pattern without arguments (``^``/``$`` of regex routes removed)."""
    if "<" in pattern or "(" in pattern or "[" in pattern or "\\" in pattern:
        return None
    return "/" + pattern.replace("^", "").replace("$", "")


def all_routes() -> list[Route]:
    return [
        Route(name, pattern, _concrete(pattern))
        for pattern, name in _walk(get_resolver().url_patterns, "", "")
    ]


def argument_free_paths(*, include_admin: bool = False) -> list[str]:
    """Paths that open without arguments (pages, lists, API lists), minus logout and i18n."""
    skip_prefixes = ("/i18n/", "/accounts/logout/")
    paths = []
    for route in all_routes():
        if route.path is None or route.path.startswith(skip_prefixes):
            continue
        if route.path.startswith("/admin/") and not include_admin:
            continue
        paths.append(route.path)
    return sorted(set(paths))
