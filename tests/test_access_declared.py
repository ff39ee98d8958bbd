"""Deny by default: every view and API endpoint declares who may use it."""

from django.urls import URLPattern, URLResolver, get_resolver

from anagen.api.urls import api
from anagen.clinics.access import ACCESS_ATTR


def walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def api_operations():
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                yield f"{prefix}{path} {operation.methods}", operation.view_func


def test_every_web_view_declares_who_may_use_it():
    undeclared = [
        route
        for route, pattern in walk(get_resolver().url_patterns)
        if not route.startswith("api/v1/") and not hasattr(pattern.callback, ACCESS_ATTR)
    ]
    assert undeclared == []


def test_every_api_endpoint_declares_its_permission():
    operations = list(api_operations())
    assert len(operations) >= 10
    undeclared = [name for name, view in operations if not hasattr(view, ACCESS_ATTR)]
    assert undeclared == []


PATH_VALUES = {
    "{patient_id}": "6f1c2d1e-0000-4000-8000-000000000001",
    "{kind}": "conditions",
    "{item_id}": "1",
    "{system}": "icd10",
}


def test_every_api_endpoint_answers_401_without_credentials(client, db):
    calls = 0
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            url = "/api/v1" + (prefix + path).replace("//", "/")
            for name, value in PATH_VALUES.items():
                url = url.replace(name, value)
            for operation in path_view.operations:
                for method in operation.methods:
                    response = getattr(client, method.lower())(url, content_type="application/json")
                    assert response.status_code == 401, f"{method} {url}"
                    calls += 1
    assert calls >= 10


def test_the_declarations_are_the_expected_kinds():
    kinds = {getattr(p.callback, ACCESS_ATTR, None) for _, p in walk(get_resolver().url_patterns)}
    assert "public" in kinds and "signed_in" in kinds and "clinic:staff.manage" in kinds
