#!/usr/bin/env python3
"""Writes Web/openapi.json, the OpenAPI 3.1 document the server serves at /api/v1/openapi.json.

The document is generated from the table below so it stays regular; edit the table, run this script,
and commit both. `Tests/e2e/test_identity.py` checks the served document names every identity route;
`Tests/e2e/test_cross_tenant.py` probes every `{organizationId}` route it lists with another organisation's ids.
"""

import json
from pathlib import Path

ERROR = {"$ref": "#/components/responses/Error"}


def body(properties: dict, required: list[str]) -> dict:
    return {
        "required": True,
        "content": {"application/json": {"schema": {"type": "object", "properties": properties, "required": required}}},
    }


S = {"type": "string"}
OPTIONAL_CODE = {"type": ["string", "null"], "description": "6-digit code from the authenticator app"}
STAGE = {"type": "object", "properties": {"stage": {"enum": ["mfa", "enrol", "active"]}, "csrfToken": S}}
B64 = {"type": "string", "description": "base64url, no padding"}
ASSERTION = {
    "type": "object",
    "description": "A `navigator.credentials.get()` result (PublicKeyCredential JSON) answering `POST /api/v1/auth/passkey/options`",
    "properties": {"id": B64, "type": {"const": "public-key"}, "response": {"type": "object", "properties": {
        "clientDataJSON": B64, "authenticatorData": B64, "signature": B64, "userHandle": {"type": ["string", "null"]}},
        "required": ["clientDataJSON", "authenticatorData", "signature"]}},
    "required": ["id", "type", "response"],
}
ASSERTION_REF = {"$ref": "#/components/schemas/PasskeyAssertion"}
OPTIONAL_PASSKEY = {"oneOf": [ASSERTION_REF, {"type": "null"}], "description": "A passkey assertion instead of `code`"}
ATTESTATION = {
    "type": "object",
    "description": "A `navigator.credentials.create()` result (PublicKeyCredential JSON); attestation fmt `none` or `packed`",
    "properties": {"id": B64, "type": {"const": "public-key"}, "response": {"type": "object", "properties": {
        "clientDataJSON": B64, "attestationObject": B64}, "required": ["clientDataJSON", "attestationObject"]}},
    "required": ["id", "type", "response"],
}


ROLE = {"enum": ["owner", "admin", "auditor", "member"]}
INVITED_ROLE = {"enum": ["admin", "auditor", "member"]}
DATE = {"type": "string", "format": "date-time"}
UUID = {"type": "string", "format": "uuid"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
PERMISSION = {"enum": ["organization.read", "members.read", "members.invite", "members.change_role", "members.disable", "members.unlock",
                       "members.end_sessions", "policy.read", "policy.update", "audit.read", "audit.export", "meetings.create",
                       "security_reports.read", "security_reports.manage"]}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict, required: list[str] | None = None) -> dict:
    return {"type": "object", "properties": properties, "required": list(properties) if required is None else required}


ORGANIZATION = obj({"id": UUID, "name": S, "role": ROLE, "permissions": {"type": "array", "items": PERMISSION}})
MEMBER = obj({"id": UUID, "displayName": S, "email": S, "role": ROLE, "mfaEnabled": BOOLEAN, "emailVerified": BOOLEAN, "disabled": BOOLEAN,
              "locked": BOOLEAN, "createdAt": DATE})
MEMBER_RESPONSE = obj({"member": ref("Member")})
INVITATION = obj({"id": UUID, "email": S, "role": ROLE, "createdAt": DATE, "expiresAt": DATE, "acceptedAt": {"type": ["string", "null"], "format": "date-time"}})
MEETING_POLICY = obj({
    "passcodeRequired": BOOLEAN,
    "waitingRoom": {"enum": ["off", "guests", "everyone"]},
    "whoMayRecord": {"enum": ["hosts", "nobody"]},
    "whoMayShareScreen": {"enum": ["hosts", "everyone"]},
    "e2eeRequired": BOOLEAN,
})
LIMIT = obj({"min": INTEGER, "max": INTEGER})
POLICY_FIELDS = {
    "requireMFA": BOOLEAN,
    "allowSignup": BOOLEAN,
    "sessionIdleMinutes": {"type": "integer", "minimum": 1, "maximum": 60},
    "sessionAbsoluteHours": {"type": "integer", "minimum": 1, "maximum": 24},
    "meetings": ref("MeetingPolicy"),
    "retention": obj({"chatMessageDays": {"type": "integer", "minimum": 1, "maximum": 3650,
                                          "description": "Days a chat message is kept; the hourly maintenance deletes older ones"}}),
}
POLICY = obj({**POLICY_FIELDS, "limits": obj({"sessionIdleMinutes": LIMIT, "sessionAbsoluteHours": LIMIT, "chatMessageDays": LIMIT})})
OUTCOME = {"enum": ["success", "failure", "denied"]}
AUDIT_ENTRY = obj({
    "sequence": INTEGER,
    "occurredAt": DATE,
    "action": {"type": "string", "description": "`area.verb`, e.g. `signin.success`; see `/audit/actions`"},
    "outcome": OUTCOME,
    "actor": obj({"id": {"type": ["string", "null"], "format": "uuid"}, "name": {"type": ["string", "null"]}}),
    "target": {"oneOf": [obj({"type": S, "id": S}), {"type": "null"}]},
    "address": {"type": ["string", "null"]},
    "requestId": {"type": ["string", "null"]},
    "details": {"type": "object", "additionalProperties": S},
})
JOIN_RULE = {"enum": ["anyone_with_link", "signed_in", "organization", "invited"]}
MEETING_SETTINGS = obj({
    "passcodeRequired": BOOLEAN, "whoMayJoin": JOIN_RULE, "waitingRoom": {"enum": ["off", "guests", "everyone"]},
    "whoMayShareScreen": {"enum": ["hosts", "everyone"]}, "whoMayRecord": {"enum": ["hosts", "nobody"]}, "muteOnEntry": BOOLEAN,
    "chatEnabled": BOOLEAN, "allowRename": BOOLEAN, "participantLimit": {"type": "integer", "minimum": 2, "maximum": 500}, "e2ee": BOOLEAN,
}, ["passcodeRequired", "whoMayJoin", "waitingRoom", "whoMayShareScreen", "whoMayRecord", "muteOnEntry", "chatEnabled", "allowRename",
    "participantLimit", "e2ee"])
MEETING_ID = {"type": "string", "description": "128 random bits, base64url (22 characters)"}
MEETING = obj({
    "id": MEETING_ID, "number": {"type": "string", "description": "10 digits"}, "title": S, "link": S,
    "scheduledFor": {"type": ["string", "null"], "format": "date-time"}, "createdAt": DATE, "passcodeRequired": BOOLEAN,
    "settings": ref("MeetingSettings"), "ended": BOOLEAN,
    "passcode": {"type": "string", "description": "Only in the answer that generated it"},
})
NULLABLE_DATE = {"type": ["string", "null"], "format": "date-time"}
NULLABLE_STRING = {"type": ["string", "null"]}
REPORT_STATUS = {"enum": ["received", "acknowledged", "fixed", "declined"]}
SECURITY_REPORT = obj({
    "id": UUID, "reference": {"type": "string", "description": "`DM-XXXX-XXXX`, what the reporter quotes"}, "receivedAt": DATE,
    "acknowledgeBy": {"type": "string", "format": "date-time", "description": "48 hours after receipt (security policy §11)"},
    "acknowledgedAt": NULLABLE_DATE, "status": REPORT_STATUS, "statusChangedAt": DATE,
    "overdue": {"type": "boolean", "description": "Still `received` past `acknowledgeBy`"},
    "summary": S, "details": S, "contact": NULLABLE_STRING, "name": NULLABLE_STRING, "creditPermitted": BOOLEAN,
}, ["id", "reference", "receivedAt", "acknowledgeBy", "status", "statusChangedAt", "overdue", "summary", "details", "creditPermitted"])
TICKET_REQUEST = body({"displayName": S, "passcode": S}, [])
TICKET = obj({"ticket": S, "expiresAt": DATE, "signalingURL": S})
AUDIT_PAGE = obj({"entries": {"type": "array", "items": ref("AuditEntry")},
                  "next": {"type": ["integer", "null"], "description": "The `before` value of the next (older) page; null on the last"}})


def query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


AUDIT_QUERY = [
    query("action", S, "An exact action, or a prefix when it ends with `.` (e.g. `signin.`)"),
    query("outcome", OUTCOME, "Only this outcome"),
    query("actor", UUID, "Only entries whose actor is this user id"),
    query("since", S, "ISO 8601 date or date-time; entries at or after it"),
    query("until", S, "ISO 8601 date or date-time; entries before it"),
    query("before", INTEGER, "Only entries with a smaller sequence (paging; use `next`)"),
    query("limit", {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}, "Page size"),
]


def op(summary, request=None, ok=("200", "OK"), ok_schema=None, errors=("400", "401", "403"), auth=True, step_up=False, sets_cookie=False,
       parameters=None, ok_media="application/json", ok_headers=None):
    responses = {ok[0]: {"description": ok[1]}}
    if ok_schema:
        responses[ok[0]]["content"] = {ok_media: {"schema": ok_schema}}
    if ok_headers:
        responses[ok[0]]["headers"] = ok_headers
    if sets_cookie:
        responses[ok[0]]["headers"] = {"Set-Cookie": {"schema": S, "description": "New `__Host-dm_session` (and `__Host-dm_device`)"}}
    for code in errors:
        responses[code] = ERROR
    result = {"summary": summary, "responses": responses}
    if parameters:
        result["parameters"] = parameters
    if request:
        result["requestBody"] = request
    if not auth:
        result["security"] = []
    if step_up:
        result["description"] = "Requires step-up: `POST /api/v1/auth/step-up` within the last 5 minutes."
    return result


paths = {
    "/api/v1/auth/session": {"get": op("The visitor's session, user and CSRF token", ok_schema={"type": "object"}, errors=(), auth=False)},
    "/api/v1/auth/sign-in": {"post": op(
        "Check email and password; starts a session (stage `mfa` when a second factor is needed)",
        body({"email": S, "password": S}, ["email", "password"]), ok_schema=STAGE, sets_cookie=True,
        errors=("400", "401", "403", "413", "429", "503"), auth=False)},
    "/api/v1/auth/mfa": {"post": op(
        "Second factor of a pending sign-in: a TOTP `code`, a `recoveryCode` or a `passkey` assertion; the session gets a new token",
        body({"code": OPTIONAL_CODE, "recoveryCode": {"type": ["string", "null"]}, "passkey": OPTIONAL_PASSKEY}, []), ok_schema=STAGE,
        sets_cookie=True)},
    "/api/v1/auth/passkey/options": {"post": op(
        "WebAuthn request options (challenge, rpId, allowCredentials of this account) for a pending sign-in, a step-up or a "
        "security change; the challenge works once, within 5 minutes", ok_schema={"type": "object"}, errors=("401", "409"))},
    "/api/v1/auth/passkey": {"post": op(
        "Second factor of a pending sign-in with a security key or passkey; exactly like `/api/v1/auth/mfa`",
        body({"credential": ASSERTION_REF}, ["credential"]), ok_schema=STAGE, sets_cookie=True)},
    "/api/v1/auth/step-up": {"post": op(
        "Fresh password and code (or passkey assertion): five minutes of step-up for admin actions; new token",
        body({"password": S, "code": OPTIONAL_CODE, "passkey": OPTIONAL_PASSKEY}, ["password"]), ok_schema=STAGE, sets_cookie=True)},
    "/api/v1/auth/sign-out": {"post": op("End this session", ok=("204", "Signed out"), errors=())},
    "/api/v1/auth/sign-up": {"post": op(
        "Self sign-up (when the organisation allows it); the same answer whether or not the address has an account",
        body({"email": S, "displayName": S, "password": S}, ["email", "displayName", "password"]), ok=("202", "Verification email sent"),
        errors=("400", "403"), auth=False)},
    "/api/v1/auth/verify-email": {"post": op("Confirm an address with the emailed token", body({"token": S}, ["token"]), ok=("204", "Verified"),
                                              errors=("400", "410"), auth=False)},
    "/api/v1/auth/confirm-email-change": {"post": op("Confirm a new address with the emailed token", body({"token": S}, ["token"]),
                                                     ok=("204", "Changed"), errors=("400", "409", "410"), auth=False)},
    "/api/v1/auth/password-reset": {"post": op("Email a reset link (always 202)", body({"email": S}, ["email"]), ok=("202", "Accepted"),
                                               errors=("400",), auth=False)},
    "/api/v1/auth/password-reset/check": {"post": op("Whether the reset also needs a code", body({"token": S}, ["token"]),
                                                     ok_schema={"type": "object", "properties": {"codeRequired": {"type": "boolean"}}},
                                                     errors=("410",), auth=False)},
    "/api/v1/auth/password-reset/complete": {"post": op(
        "Set a new password from the link; accounts with MFA must add a code or recovery code; ends every session",
        body({"token": S, "newPassword": S, "code": OPTIONAL_CODE, "recoveryCode": {"type": ["string", "null"]}}, ["token", "newPassword"]),
        ok=("204", "Password changed"), errors=("400", "401", "410"), auth=False)},
    "/api/v1/invitations/lookup": {"post": op("Who invited this address to which organisation", body({"token": S}, ["token"]),
                                              ok_schema={"type": "object"}, errors=("410",), auth=False)},
    "/api/v1/invitations/accept": {"post": op("Create the invited account", body({"token": S, "displayName": S, "password": S},
                                                                                  ["token", "displayName", "password"]),
                                              ok=("201", "Created"), errors=("400", "409", "410"), auth=False)},
    "/api/v1/account/sessions": {"get": op("This user's live sessions (browser, address, last activity)", ok_schema={"type": "object"}, errors=("401", "403"))},
    "/api/v1/account/sessions/{id}": {"delete": op("End one of this user's sessions", ok=("204", "Ended"), errors=("401", "404"))},
    "/api/v1/account/sessions/end-others": {"post": op("End every other session", ok_schema={"type": "object", "properties": {"ended": {"type": "integer"}}})},
    "/api/v1/account/sign-out-everywhere": {"post": op("End every session, this one too", ok=("204", "Signed out everywhere"))},
    "/api/v1/account/password": {"post": op(
        "Change the password (current password and code required); new token; optionally end other sessions",
        body({"currentPassword": S, "code": OPTIONAL_CODE, "passkey": OPTIONAL_PASSKEY, "newPassword": S, "endOtherSessions": {"type": "boolean"}},
             ["currentPassword", "newPassword"]),
        ok_schema=STAGE, sets_cookie=True)},
    "/api/v1/account/email": {"post": op("Send a confirmation link to a new address (current factors required)",
                                         body({"newEmail": S, "currentPassword": S, "code": OPTIONAL_CODE, "passkey": OPTIONAL_PASSKEY},
                                              ["newEmail", "currentPassword"]),
                                         ok=("202", "Link sent"))},
    "/api/v1/account/mfa": {"get": op("Two-step verification status: enabled, required, recoveryCodesRemaining, totp, passkeys",
                                      ok_schema={"type": "object"})},
    "/api/v1/account/mfa/totp": {"post": op(
        "Start TOTP enrolment: secret, otpauth URI and QR code (SVG); current password unless enrolment is forced",
        body({"currentPassword": {"type": ["string", "null"]}, "passkey": OPTIONAL_PASSKEY}, []), ok_schema={"type": "object"})},
    "/api/v1/account/mfa/totp/confirm": {"post": op("Confirm with a code; returns 10 recovery codes, shown once (none when a passkey already brought them)",
                                                    body({"code": S}, ["code"]), ok_schema={"type": "object"})},
    "/api/v1/account/mfa/disable": {"post": op(
        "Turn TOTP off (current factors; refused when the organisation requires MFA and no passkey remains)",
        body({"currentPassword": S, "code": OPTIONAL_CODE, "passkey": OPTIONAL_PASSKEY}, ["currentPassword"]), ok=("204", "Off"))},
    "/api/v1/account/mfa/recovery-codes": {"post": op(
        "Replace the recovery codes (current factors)",
        body({"currentPassword": S, "code": OPTIONAL_CODE, "passkey": OPTIONAL_PASSKEY}, ["currentPassword"]), ok_schema={"type": "object"})},
    "/api/v1/account/passkeys/options": {"post": op(
        "WebAuthn creation options: challenge, rp {id, name}, user {id, name, displayName}, pubKeyCredParams (ES256, EdDSA), "
        "excludeCredentials, authenticatorSelection (residentKey and userVerification `preferred`), attestation `none`",
        ok_schema={"type": "object"}, errors=("401", "403"))},
    "/api/v1/account/passkeys": {
        "post": op(
            "Register a security key or passkey (current password and, with a second factor, `code` or `passkey`; none during forced "
            "enrolment); returns it and, when it is the first second factor, 10 recovery codes",
            body({"name": S, "currentPassword": {"type": ["string", "null"]}, "code": OPTIONAL_CODE, "passkey": OPTIONAL_PASSKEY,
                  "credential": {"$ref": "#/components/schemas/PasskeyAttestation"}}, ["name", "credential"]),
            ok=("201", "Added"), ok_schema={"type": "object"}, errors=("400", "401", "403", "409")),
        "get": op("This user's security keys and passkeys: id, name, createdAt, lastUsedAt", ok_schema={"type": "object"}, errors=("401", "403")),
    },
    "/api/v1/account/passkeys/{id}": {"delete": op(
        "Remove a security key or passkey; the body carries the current factors: `currentPassword` and `code` or `passkey`",
        body({"currentPassword": S, "code": OPTIONAL_CODE, "passkey": OPTIONAL_PASSKEY}, ["currentPassword"]),
        ok=("204", "Removed"), errors=("400", "401", "403", "404"))},
    "/api/v1/organizations/{organizationId}": {"get": op(
        "The caller's organisation: id, name, the caller's role and the permissions it grants (any member); another organisation's id is 404",
        ok_schema=ref("Organization"), errors=("401", "404"))},
    "/api/v1/organizations/{organizationId}/members": {"get": op(
        "Members with role, two-step verification, disabled and locked state (owner, admin, auditor)",
        ok_schema=obj({"members": {"type": "array", "items": ref("Member")}}), errors=("401", "403", "404"))},
    "/api/v1/organizations/{organizationId}/members/{userId}": {"patch": op(
        "Change a member's role (owner, admin; only an owner makes or unmakes owners; not one's own role; the last owner stays)",
        body({"role": ROLE}, ["role"]), ok_schema=MEMBER_RESPONSE, errors=("400", "401", "403", "404", "409"), step_up=True)},
    "/api/v1/organizations/{organizationId}/members/{userId}/disable": {"post": op(
        "Disable a member's account; every session of it ends at once (owner, admin; not oneself, not the last owner)",
        ok_schema=MEMBER_RESPONSE, errors=("401", "403", "404", "409"), step_up=True)},
    "/api/v1/organizations/{organizationId}/members/{userId}/enable": {"post": op(
        "Enable a disabled member's account again (owner, admin)", ok_schema=MEMBER_RESPONSE, errors=("401", "403", "404"), step_up=True)},
    "/api/v1/organizations/{organizationId}/members/{userId}/end-sessions": {"post": op(
        "End every session of a member (owner, admin)", ok_schema=obj({"ended": INTEGER}), errors=("401", "403", "404"), step_up=True)},
    "/api/v1/organizations/{organizationId}/invitations": {
        "post": op("Invite someone by email (admin)", body({"email": S, "role": INVITED_ROLE}, ["email", "role"]),
                   ok=("201", "Invited"), ok_schema=ref("Invitation"), errors=("400", "401", "403", "404", "409"), step_up=True),
        "get": op("Invitations of the organisation (admin)", ok_schema=obj({"invitations": {"type": "array", "items": ref("Invitation")}}),
                  errors=("401", "403", "404")),
    },
    "/api/v1/organizations/{organizationId}/invitations/{invitationId}": {"delete": op(
        "Revoke an open invitation; its link stops working (owner, admin)", ok=("204", "Revoked"), errors=("401", "403", "404"), step_up=True)},
    "/api/v1/organizations/{organizationId}/members/{userId}/unlock": {"post": op(
        "Clear a member's failed sign-ins and re-enable a disabled password (admin)", ok=("204", "Unlocked"), errors=("401", "403", "404"), step_up=True)},
    "/api/v1/organizations/{organizationId}/policy": {
        "get": op("The security policy: two-step verification, sign-up, session lifetimes, meeting floor, and the allowed limits "
                  "(owner, admin, auditor)", ok_schema=ref("Policy"), errors=("401", "403", "404")),
        "put": op("Replace the security policy (owner, admin); out-of-range values are 400 `invalid_input` with `field`",
                  {"required": True, "content": {"application/json": {"schema": obj(POLICY_FIELDS)}}},
                  ok_schema=ref("Policy"), errors=("400", "401", "403", "404"), step_up=True),
    },
    "/api/v1/organizations/{organizationId}/audit": {"get": op(
        "The organisation's audit log, newest first, filtered and paged (owner, admin, auditor)",
        parameters=AUDIT_QUERY, ok_schema=AUDIT_PAGE, errors=("400", "401", "403", "404"))},
    "/api/v1/organizations/{organizationId}/audit/actions": {"get": op(
        "Every known action name, for a filter (owner, admin, auditor)", ok_schema=obj({"actions": {"type": "array", "items": S}}),
        errors=("401", "403", "404"))},
    "/api/v1/organizations/{organizationId}/audit/export": {"get": op(
        "The organisation's whole hash chain as JSON lines (a download): a `header` line (format `digitalmeet-audit-v1`, signing keys), "
        "every `entry` with `entryHash` and `chainHash`, then every signed `checkpoint`; see docs/audit.md to verify it. The export "
        "itself is audited (owner, admin, auditor)",
        ok_media="application/x-ndjson", ok_schema={"type": "string", "description": "One JSON object per line"},
        ok_headers={"Content-Disposition": {"schema": S, "description": "`attachment; filename=\"digitalmeet-audit-<organizationId>.jsonl\"`"}},
        errors=("401", "403", "404"))},
    "/api/v1/organizations/{organizationId}/security-reports": {"get": op(
        "Vulnerability reports sent to this deployment, newest first, opened (owner, admin, auditor). Reports go to the "
        "organisation made at setup, so other organisations' lists are empty",
        ok_schema=obj({"reports": {"type": "array", "items": ref("SecurityReport")}}), errors=("401", "403", "404"))},
    "/api/v1/organizations/{organizationId}/security-reports/{reportId}/status": {"post": op(
        "Answer a report: acknowledged, fixed or declined, with an optional `message` emailed to the reporter; audited (owner, admin)",
        body({"status": {"enum": ["acknowledged", "fixed", "declined"]}, "message": {"type": ["string", "null"], "maxLength": 5000}},
             ["status"]),
        ok_schema=obj({"report": ref("SecurityReport")}), errors=("400", "401", "403", "404", "409"), step_up=True)},
    "/api/v1/security-reports": {"post": op(
        "Report a vulnerability (anyone; 5 an hour per network). The report is sealed at rest; the reporter gets a receipt by email "
        "when `contact` is given, and the operator's owners and admins are told",
        body({"summary": {"type": "string", "minLength": 3, "maxLength": 200},
              "details": {"type": "string", "minLength": 20, "maxLength": 20000},
              "contact": {"type": ["string", "null"], "description": "Email address for progress updates"},
              "name": {"type": ["string", "null"], "maxLength": 100, "description": "How to credit the reporter"},
              "creditPermitted": BOOLEAN}, ["summary", "details"]),
        ok=("201", "Received"), ok_schema=obj({"reference": S, "receivedAt": DATE, "acknowledgeBy": DATE}),
        errors=("400", "413", "429", "503"), auth=False)},
    "/api/v1/security-acknowledgments": {"get": op(
        "Researchers credited for fixed reports (with their permission), newest first",
        ok_schema=obj({"acknowledgments": {"type": "array", "items": obj({"name": S, "fixedAt": DATE})}}), errors=(), auth=False)},
    "/api/v1/meetings": {
        "post": op("Create a meeting you host; settings are bounded by the organisation's policy (400 `policy_violation` names the field). "
                   "A required passcode that is not given is generated and returned once as `passcode`",
                   body({"title": S, "scheduledFor": DATE, "passcode": S, "settings": ref("MeetingSettings")}, ["title"]),
                   ok=("201", "Created"), ok_schema=ref("Meeting"), errors=("400", "401", "403")),
        "get": op("Meetings you host or co-host that have not ended, soonest first",
                  ok_schema=obj({"meetings": {"type": "array", "items": ref("Meeting")}}), errors=("401",)),
    },
    "/api/v1/meetings/{meetingId}": {
        "get": op("What a link shows anyone: title, whether a passcode is needed, who may join, E2EE, ended",
                  ok_schema=obj({"id": MEETING_ID, "title": S, "passcodeRequired": BOOLEAN, "whoMayJoin": JOIN_RULE, "e2ee": BOOLEAN,
                                 "ended": BOOLEAN}), errors=("404",), auth=False),
        "patch": op("Change the title, schedule, passcode or settings (host); `settings.e2ee` cannot change while anyone holds a seat "
                    "in the meeting (409 conflict)",
                    body({"title": S, "scheduledFor": DATE, "passcode": S, "settings": ref("MeetingSettings"), "clearPasscode": BOOLEAN,
                          "clearSchedule": BOOLEAN}, []),
                    ok_schema=ref("Meeting"), errors=("400", "401", "404", "409", "410")),
        "delete": op("End the meeting for everyone (host)", ok=("204", "Ended"), errors=("401", "404")),
    },
    "/api/v1/meetings/{meetingId}/details": {"get": op("The whole meeting (host, co-host)", ok_schema=ref("Meeting"), errors=("401", "404"))},
    "/api/v1/meetings/{meetingId}/chat": {"get": op(
        "The meeting's chat transcript, oldest first (owner, host, co-host; also after it ended, within the retention; the first page is audited)",
        ok_schema=obj({
            "messages": {"type": "array", "items": obj({
                "id": UUID, "sentAt": DATE, "from": UUID, "name": S,
                "text": {"type": "string", "description": "The message; absent in an end-to-end encrypted meeting, whose messages have `e2ee`"},
                "e2ee": obj({"epoch": {"type": "integer", "minimum": 1, "maximum": 9007199254740992},
                             "nonce": {"type": "string", "description": "base64url, no padding, 12 bytes"},
                             "ciphertext": {"type": "string", "description": "base64url, no padding: AES-256-GCM ciphertext and tag"}},
                            ) | {"description": "An end-to-end encrypted meeting's message as the browsers sent it (docs/e2ee.md); "
                                                "the server has no key for it"},
            }, ["id", "sentAt", "from", "name"])},
            "next": {"type": ["string", "null"], "format": "uuid", "description": "`after` for the next page, when this one was full"},
        }),
        errors=("400", "401", "404"),
        parameters=[
            query("after", UUID, "Only messages after this message id (paging; use `next`)"),
            query("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 200}, "Page size"),
        ],
    )},
    "/api/v1/meetings/{meetingId}/tickets": {"post": op(
        "A single-use join ticket (60 s) for the signaling socket, for the signed-in account or the guest cookie's identity (set when "
        "missing). Wrong passcodes: 5 per client per meeting in 10 minutes, then 429 with Retry-After; each is audited",
        TICKET_REQUEST, ok=("201", "Issued"), ok_schema=TICKET, errors=("400", "401", "403", "404", "409", "410", "429"), auth=False)},
    "/api/v1/meetings/by-number/{number}/tickets": {"post": op(
        "A join ticket by the 10-digit number; the passcode is always required", TICKET_REQUEST, ok=("201", "Issued"), ok_schema=TICKET,
        errors=("400", "401", "403", "404", "409", "410", "429"), auth=False)},
    "/api/v1/signaling": {"get": op(
        "The signaling WebSocket (docs/signaling.md): upgrade with an allowed Origin; without an upgrade, 403",
        ok=("101", "Switching protocols"), errors=("400", "403"), auth=False)},
    "/api/v1/setup/status": {"get": op("Whether the first owner still has to be created", ok_schema={"type": "object"}, errors=(), auth=False)},
    "/api/v1/setup": {"post": op("Create the first owner with the one-time setup link", ok=("201", "Created"), errors=("400", "403", "409"), auth=False)},
}

document = {
    "openapi": "3.1.0",
    "info": {
        "title": "DigitalMeet API",
        "version": "1",
        "description": "JSON over HTTPS (TLS 1.3). Sessions are the `__Host-dm_session` cookie; state-changing requests "
        "with a session must send `X-CSRF-Token` (from the session or a sign-in step) and come from an allowed Origin. "
        "See docs/api.md for the error codes.",
    },
    "components": {
        "schemas": {
            "PasskeyAssertion": ASSERTION,
            "PasskeyAttestation": ATTESTATION,
            "Organization": ORGANIZATION,
            "Member": MEMBER,
            "Invitation": INVITATION,
            "MeetingPolicy": MEETING_POLICY,
            "Policy": POLICY,
            "AuditEntry": AUDIT_ENTRY,
            "MeetingSettings": MEETING_SETTINGS,
            "Meeting": MEETING,
            "SecurityReport": SECURITY_REPORT,
        },
        "securitySchemes": {
            "session": {"type": "apiKey", "in": "cookie", "name": "__Host-dm_session"},
            "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"},
        },
        "responses": {
            "Error": {
                "description": "An error a person can read and a program can compare",
                "content": {"application/json": {"schema": {
                    "type": "object",
                    "properties": {"error": {"type": "object", "properties": {"code": S, "message": S, "field": {"type": ["string", "null"]}},
                                             "required": ["code", "message"]}},
                }}},
            }
        },
    },
    "security": [{"session": [], "csrf": []}],
    "paths": paths,
}

Path(__file__).resolve().parents[1].joinpath("Web", "openapi.json").write_text(json.dumps(document, indent=2) + "\n")
