"""TLS: 1.3 only, and the generated certificate is what the server says it is."""

import hashlib
import ipaddress
import socket
import ssl
from datetime import datetime, timedelta, timezone

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID
from sslyze import (
    ScanCommand,
    ScanCommandAttemptStatusEnum,
    Scanner,
    ServerNetworkLocation,
    ServerScanRequest,
    ServerScanStatusEnum,
    TlsVersionEnum,
)


def handshake(server, context: ssl.SSLContext, hostname: str = "localhost") -> ssl.SSLSocket:
    sock = socket.create_connection(("127.0.0.1", server.https_port), timeout=10)
    try:
        return context.wrap_socket(sock, server_hostname=hostname)
    except BaseException:
        sock.close()
        raise


def verifying_context(server) -> ssl.SSLContext:
    """Trusts only the server's own self-signed certificate, with host name checking on."""
    context = ssl.create_default_context(cafile=str(server.certificate_path))
    assert context.check_hostname and context.verify_mode == ssl.CERT_REQUIRED
    return context


def load_certificate(server) -> x509.Certificate:
    return x509.load_pem_x509_certificate(server.certificate_path.read_bytes())


def test_tls_1_2_is_refused_with_protocol_version_alert(module_server):
    context = verifying_context(module_server)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    with pytest.raises(ssl.SSLError) as failure:
        handshake(module_server, context).close()
    assert failure.value.reason == "TLSV1_ALERT_PROTOCOL_VERSION", failure.value


def test_tls_1_3_handshake_verifies_against_generated_certificate(module_server):
    context = verifying_context(module_server)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    context.set_alpn_protocols(["h2", "http/1.1"])
    with handshake(module_server, context) as tls:
        assert tls.version() == "TLSv1.3"
        assert tls.cipher()[0] in {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"}
        assert tls.selected_alpn_protocol() == "http/1.1"
        served = tls.getpeercert(binary_form=True)
    on_disk = ssl.PEM_cert_to_DER_cert(module_server.certificate_path.read_text())
    assert served == on_disk, "the server presents a certificate other than tls/self-signed.crt"


def test_certificate_for_another_host_name_is_rejected(module_server):
    # Proves the check in the test above is real: the same trust, a name the certificate does not cover.
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(module_server, verifying_context(module_server), hostname="meet.example.com").close()


def test_https_request_verifies_with_certificate_as_ca(module_server):
    response = requests.get(module_server.url("/healthz"), verify=str(module_server.certificate_path), timeout=10)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_certificate_is_ecdsa_p256_for_localhost(module_server):
    certificate = load_certificate(module_server)
    public_key = certificate.public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    assert isinstance(public_key.curve, ec.SECP256R1)

    san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in san.get_values_for_type(x509.DNSName)
    addresses = san.get_values_for_type(x509.IPAddress)
    assert ipaddress.ip_address("127.0.0.1") in addresses
    assert ipaddress.ip_address("::1") in addresses

    assert certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    usages = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.SERVER_AUTH in usages
    now = datetime.now(timezone.utc)
    assert certificate.not_valid_before_utc <= now < certificate.not_valid_after_utc
    # Browsers refuse certificates valid for more than 398 days.
    assert certificate.not_valid_after_utc - certificate.not_valid_before_utc <= timedelta(days=398)


def test_printed_fingerprint_matches_certificate(module_server):
    der = ssl.PEM_cert_to_DER_cert(module_server.certificate_path.read_text())
    expected = ":".join(f"{byte:02X}" for byte in hashlib.sha256(der).digest())
    assert module_server.printed_fingerprint == expected


def test_certificate_files_are_private(module_server):
    for path in (module_server.certificate_path, module_server.private_key_path):
        assert path.stat().st_mode & 0o077 == 0, f"{path} is accessible to group or others"


LEGACY_PROTOCOLS = {
    ScanCommand.SSL_2_0_CIPHER_SUITES: "ssl_2_0_cipher_suites",
    ScanCommand.SSL_3_0_CIPHER_SUITES: "ssl_3_0_cipher_suites",
    ScanCommand.TLS_1_0_CIPHER_SUITES: "tls_1_0_cipher_suites",
    ScanCommand.TLS_1_1_CIPHER_SUITES: "tls_1_1_cipher_suites",
    ScanCommand.TLS_1_2_CIPHER_SUITES: "tls_1_2_cipher_suites",
}


def test_sslyze_finds_cipher_suites_only_for_tls_1_3(module_server):
    location = ServerNetworkLocation(hostname="localhost", port=module_server.https_port, ip_address="127.0.0.1")
    request = ServerScanRequest(
        server_location=location, scan_commands={*LEGACY_PROTOCOLS, ScanCommand.TLS_1_3_CIPHER_SUITES}
    )
    scanner = Scanner()
    scanner.queue_scans([request])
    [result] = list(scanner.get_results())

    assert result.scan_status == ServerScanStatusEnum.COMPLETED, result.connectivity_error_trace
    assert result.connectivity_result.highest_tls_version_supported == TlsVersionEnum.TLS_1_3

    attempts = result.scan_result
    for attribute in [*LEGACY_PROTOCOLS.values(), "tls_1_3_cipher_suites"]:
        attempt = getattr(attempts, attribute)
        assert attempt.status == ScanCommandAttemptStatusEnum.COMPLETED, f"{attribute}: {attempt.error_trace}"

    for attribute in LEGACY_PROTOCOLS.values():
        accepted = [suite.cipher_suite.name for suite in getattr(attempts, attribute).result.accepted_cipher_suites]
        assert accepted == [], f"{attribute} accepted {accepted}"

    accepted_13 = {suite.cipher_suite.name for suite in attempts.tls_1_3_cipher_suites.result.accepted_cipher_suites}
    assert accepted_13, "no TLS 1.3 cipher suite accepted"
    assert accepted_13 <= {
        "TLS_AES_128_GCM_SHA256",
        "TLS_AES_256_GCM_SHA384",
        "TLS_CHACHA20_POLY1305_SHA256",
    }, accepted_13
