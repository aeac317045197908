"""`/.well-known/security.txt` per RFC 9116."""

from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest

REQUIRED_ONCE = ("Expires", "Policy", "Acknowledgments", "Preferred-Languages", "Canonical")


def fetch_fields(server) -> dict[str, list[str]]:
    response = server.http.get(server.url("/.well-known/security.txt"), timeout=10)
    assert response.status_code == 200
    media_type, _, parameters = response.headers["Content-Type"].partition(";")
    assert media_type.strip() == "text/plain"
    assert "charset=utf-8" in parameters.replace(" ", "").lower()
    fields: dict[str, list[str]] = {}
    for line in response.text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, separator, value = line.partition(":")
        assert separator, f"not a field line: {line!r}"
        fields.setdefault(name.strip(), []).append(value.strip())
    return fields


def test_fields_are_present_and_well_formed(module_server):
    fields = fetch_fields(module_server)
    assert fields.get("Contact"), "RFC 9116 requires at least one Contact"
    for contact in fields["Contact"]:
        assert contact.split(":", 1)[0] in ("mailto", "https", "tel"), contact
    for name in REQUIRED_ONCE:
        assert len(fields.get(name, [])) == 1, f"{name} should appear exactly once: {fields.get(name)}"
    assert "en" in [language.strip() for language in fields["Preferred-Languages"][0].split(",")]


def test_expires_is_in_the_future_and_less_than_a_year_ahead(module_server):
    [expires] = fetch_fields(module_server)["Expires"]
    # RFC 9116 §2.5.5: an RFC 3339 date-time; the server writes UTC with a "Z".
    assert expires.endswith("Z"), expires
    moment = datetime.strptime(expires, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    now = datetime.now(timezone.utc)
    assert now + timedelta(days=30) < moment < now + timedelta(days=365), expires


def test_canonical_policy_and_acknowledgments_are_https_on_the_public_url(module_server):
    fields = fetch_fields(module_server)
    assert fields["Canonical"] == [module_server.url("/.well-known/security.txt")]
    for name in ("Policy", "Acknowledgments"):
        [value] = fields[name]
        parts = urlsplit(value)
        assert parts.scheme == "https", value
        assert f"{parts.scheme}://{parts.netloc}" == module_server.public_url, value


def test_policy_page_exists(module_server):
    [policy] = fetch_fields(module_server)["Policy"]
    response = module_server.http.get(policy, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("contact", ["https://example.com/report-a-vulnerability", "mailto:psirt@example.com"])
def test_configured_contact_is_published(make_server, contact):
    server = make_server(SECURITY_CONTACT=contact)
    # The configured contact first (RFC 9116: in order of preference), then the report form.
    assert fetch_fields(server)["Contact"] == [contact, server.url("/security/report")]


def test_one_contact_is_the_report_form_and_it_is_served(module_server):
    contacts = fetch_fields(module_server)["Contact"]
    form = module_server.url("/security/report")
    assert form in contacts, contacts
    response = module_server.http.get(form, timeout=10)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
    assert 'id="report-form"' in response.text
