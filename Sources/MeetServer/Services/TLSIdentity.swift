import Crypto
import Foundation
import Logging
import NIOSSL
import SwiftASN1
import X509

/// The server's certificate chain and private key: the operator's files, or a self-signed
/// ECDSA P-256 certificate generated on first start and reused afterwards.
struct TLSIdentity {
    let certificateChain: [NIOSSLCertificate]
    let privateKey: NIOSSLPrivateKey
    /// SHA-256 of the leaf certificate (DER), printed so a person can check a self-signed certificate.
    let fingerprint: String
    let selfSigned: Bool

    /// The TLS 1.3-only server configuration; TLS 1.2 and older are refused at the handshake.
    func serverConfiguration() -> TLSConfiguration {
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: certificateChain.map { .certificate($0) },
            privateKey: .privateKey(privateKey)
        )
        tls.minimumTLSVersion = .tlsv13
        tls.maximumTLSVersion = .tlsv13
        tls.applicationProtocols = ["http/1.1"]
        return tls
    }

    static func load(configuration: ServerConfiguration, logger: Logger) throws -> TLSIdentity {
        if let certificatePath = configuration.certificatePath, let keyPath = configuration.privateKeyPath {
            return try fromFiles(certificatePath: certificatePath, keyPath: keyPath, selfSigned: false)
        }
        let directory = "\(configuration.dataDirectory)/tls"
        let certificatePath = "\(directory)/self-signed.crt"
        let keyPath = "\(directory)/self-signed.key"
        let files = FileManager.default
        if files.fileExists(atPath: certificatePath), files.fileExists(atPath: keyPath) {
            let existing = try fromFiles(certificatePath: certificatePath, keyPath: keyPath, selfSigned: true)
            if try stillSuitable(certificatePath: certificatePath, hostnames: configuration.certificateHostnames) {
                return existing
            }
            logger.notice("Replacing the self-signed certificate: it expires soon or does not cover the configured host names")
            try files.removeItem(atPath: certificatePath)
            try files.removeItem(atPath: keyPath)
        }
        try DataDirectory.ensurePrivateDirectory(directory)
        let (certificatePEM, keyPEM) = try generateSelfSigned(hostnames: configuration.certificateHostnames)
        try DataDirectory.writeSecretFile(keyPath, contents: keyPEM)
        try DataDirectory.writeSecretFile(certificatePath, contents: certificatePEM)
        logger.notice("Generated a self-signed TLS certificate", metadata: ["path": "\(certificatePath)"])
        return try fromFiles(certificatePath: certificatePath, keyPath: keyPath, selfSigned: true)
    }

    static func fromFiles(certificatePath: String, keyPath: String, selfSigned: Bool) throws -> TLSIdentity {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
        } catch {
            throw ConfigurationError("cannot read the TLS certificate chain \(certificatePath) as PEM: \(error)")
        }
        do {
            key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        } catch {
            throw ConfigurationError("cannot read the TLS private key \(keyPath) as PEM: \(error)")
        }
        guard let leaf = chain.first else { throw ConfigurationError("the TLS certificate file \(certificatePath) holds no certificate") }
        let der = try leaf.toDERBytes()
        let fingerprint = SHA256.hash(data: der).map { String(format: "%02X", $0) }.joined(separator: ":")
        return TLSIdentity(certificateChain: chain, privateKey: key, fingerprint: fingerprint, selfSigned: selfSigned)
    }

    /// Valid for at least 30 more days and naming every configured host.
    static func stillSuitable(certificatePath: String, hostnames: [String]) throws -> Bool {
        let pem = try String(contentsOfFile: certificatePath, encoding: .utf8)
        let certificate = try Certificate(pemEncoded: pem)
        guard certificate.notValidAfter > Date().addingTimeInterval(30 * 86_400) else { return false }
        guard let names = try certificate.extensions.subjectAlternativeNames else { return false }
        let covered = Set(names.map { "\($0)" })
        return generalNames(hostnames).allSatisfy { covered.contains("\($0)") }
    }

    static func generalNames(_ hostnames: [String]) -> [GeneralName] {
        hostnames.map { name in
            if let address = IPAddressBytes(name) { return .ipAddress(ASN1OctetString(contentBytes: address.bytes[...])) }
            return .dnsName(name)
        }
    }

    /// A fresh ECDSA P-256 key and a certificate for `hostnames`, valid for one year.
    static func generateSelfSigned(hostnames: [String]) throws -> (certificate: String, key: String) {
        let key = P256.Signing.PrivateKey()
        let certificate = try selfSigned(
            key: key,
            name: try DistinguishedName {
                OrganizationName("DigitalMeet")
                CommonName(hostnames.first ?? "localhost")
            },
            validity: 365 * 86_400,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(generalNames(hostnames))
            }
        )
        return (try certificate.serializeAsPEM().pemString + "\n", key.pemRepresentation + "\n")
    }

    /// A certificate `key` signs for itself (ECDSA with SHA-256), valid from five minutes ago for `validity` seconds.
    static func selfSigned(
        key: P256.Signing.PrivateKey,
        name: DistinguishedName,
        validity: TimeInterval,
        extensions: Certificate.Extensions
    ) throws -> Certificate {
        let now = Date()
        return try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-300),
            notValidAfter: now.addingTimeInterval(validity),
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: extensions,
            issuerPrivateKey: .init(key)
        )
    }
}

/// The bytes of a textual IPv4 or IPv6 address.
struct IPAddressBytes {
    let bytes: [UInt8]

    init?(_ text: String) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
        } else {
            return nil
        }
    }
}
