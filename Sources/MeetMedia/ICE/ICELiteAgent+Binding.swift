extension ICELiteAgent {
    /// Handles a parsed STUN message from `source`, checking it in the order RFC 8489 §6.3 and
    /// §9.1.3 give: FINGERPRINT (silently dropped if absent or wrong), presence of USERNAME and
    /// MESSAGE-INTEGRITY (400), the username (401), the integrity (401), unknown
    /// comprehension-required attributes (420), then the ICE role (487, RFC 8445 §7.3.1.1).
    /// Error responses to requests that failed authentication carry no MESSAGE-INTEGRITY, as
    /// §9.1.3 requires; the others are integrity-protected with the local password.
    public mutating func handle(_ message: STUNMessage, from source: STUNAddress, now: ContinuousClock.Instant) -> Output {
        let expiry = handleTimeout(now: now)
        guard !consentExpired else {
            counters.afterExpiry += 1
            return Output(events: expiry)
        }
        // A lite agent sends no requests, so responses are never expected; indications carry nothing ICE needs.
        guard message.messageClass == .request, message.method == .binding else {
            counters.ignored += 1
            return Output()
        }
        // RFC 8445 §7.2.2 requires FINGERPRINT; RFC 8489 §7.3 drops messages that fail it.
        do {
            try message.verifyFingerprint()
        } catch {
            if error.code == .missingAttribute { counters.missingFingerprint += 1 } else { counters.badFingerprint += 1 }
            return Output()
        }
        guard let username = message.username, message.attributes.contains(where: { $0.type == .messageIntegrity }) else {
            counters.missingCredentials += 1
            return Output(response: errorResponse(to: message, code: 400, reason: "Bad Request", authenticated: false))
        }
        guard isValid(username: username) else {
            counters.badUsername += 1
            return Output(response: errorResponse(to: message, code: 401, reason: "Unauthenticated", authenticated: false))
        }
        do {
            try message.verifyMessageIntegrity(key: integrityKey)
        } catch {
            counters.badIntegrity += 1
            return Output(response: errorResponse(to: message, code: 401, reason: "Unauthenticated", authenticated: false))
        }
        let unknown = message.unknownComprehensionRequiredAttributes
        guard unknown.isEmpty else {
            counters.unknownAttributes += 1
            return Output(response: errorResponse(to: message, code: 420, reason: "Unknown Attribute", unknownAttributes: unknown))
        }
        // RFC 8445 §6.1.1: facing a lite agent, the full agent must control. A lite agent cannot
        // switch to controlling, so a peer that also claims to be controlled is told 487 to switch.
        guard message.iceControlled == nil else {
            counters.roleConflicts += 1
            return Output(response: errorResponse(to: message, code: 487, reason: "Role Conflict"))
        }

        consentRefreshed = now
        counters.successes += 1
        var events: [Event] = []
        if message.useCandidate {
            counters.nominations += 1
            if selectedAddress != source {
                selectedAddress = source
                events.append(.selected(source))
            }
        }
        let response = STUNMessage.bindingSuccess(for: message, mappedAddress: source, software: configuration.software)
        return Output(response: encode(response, authenticated: true), events: events)
    }

    /// USERNAME is `<local ufrag>:<remote ufrag>` for a request from the remote peer (RFC 8445 §7.2.2),
    /// compared byte for byte.
    private func isValid(username: String) -> Bool {
        let bytes = Array(username.utf8)
        guard bytes.count > usernamePrefix.count, bytes.starts(with: usernamePrefix) else { return false }
        guard let remoteUfrag = configuration.remoteUfrag else { return true }
        return bytes.dropFirst(usernamePrefix.count).elementsEqual(remoteUfrag.utf8)
    }

    private mutating func errorResponse(
        to request: STUNMessage,
        code: UInt16,
        reason: String,
        authenticated: Bool = true,
        unknownAttributes: [STUNAttributeType] = []
    ) -> [UInt8]? {
        counters.errorResponses += 1
        let response = STUNMessage.errorResponse(for: request, code: code, reason: reason, unknownAttributes: unknownAttributes)
        return encode(response, authenticated: authenticated)
    }

    private mutating func encode(_ response: STUNMessage, authenticated: Bool) -> [UInt8]? {
        do {
            return try response.encoded(integrityKey: authenticated ? integrityKey : nil, fingerprint: true)
        } catch {
            // Only an over-long configured SOFTWARE can get here; the peer will retransmit.
            counters.encodingFailures += 1
            return nil
        }
    }
}
