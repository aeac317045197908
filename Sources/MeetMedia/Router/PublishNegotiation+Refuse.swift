extension PublishNegotiation {
    /// Turns an accepted section down after the fact, as when the meeting state does not let the
    /// participant publish that source: port 0 and `inactive` in the answer, out of the BUNDLE
    /// group, and listed as rejected, so the browser does not send it at all.
    mutating func refuse(mid: String, reason: String) {
        guard let index = answer.media.firstIndex(where: { $0.mid == mid }) else { return }
        answer.media[index].port = 0
        answer.media[index].attributes = answer.media[index].attributes.map { attribute in
            if case .direction = attribute { return .direction(.inactive) }
            return attribute
        }
        answer.attributes = answer.attributes.compactMap { attribute in
            guard case .group(var group) = attribute, group.semantics == "BUNDLE" else { return attribute }
            group.mids.removeAll { $0 == mid }
            return group.mids.isEmpty ? nil : .group(group)
        }
        media.removeAll { $0.mid == mid }
        rejected.append(RejectedSection(mid: mid, reason: reason))
    }
}
