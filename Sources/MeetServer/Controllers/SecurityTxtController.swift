import Foundation
import Hummingbird

/// `/.well-known/security.txt` (RFC 9116): where to report vulnerabilities, with an expiry always
/// less than a year ahead because it is computed at request time.
struct SecurityTxtController {
    let publicURL: URL
    let contact: String
    /// How far ahead `Expires` is set; RFC 9116 §2.5.5 recommends less than a year.
    static let validity: TimeInterval = 180 * 86_400

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/.well-known/security.txt") { _, _ in
            var response = Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: body(now: Date()))))
            response.headers[.contentType] = "text/plain; charset=utf-8"
            return response
        }
    }

    func body(now: Date) -> String {
        let base = publicURL.absoluteString.hasSuffix("/") ? String(publicURL.absoluteString.dropLast()) : publicURL.absoluteString
        let expires = now.addingTimeInterval(Self.validity)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return """
            # Security contact for this DigitalMeet deployment. See \(base)/security-policy
            Contact: \(contact)
            Contact: \(base)/security/report
            Expires: \(formatter.string(from: expires))
            Policy: \(base)/security-policy
            Acknowledgments: \(base)/security-policy#acknowledgments
            Preferred-Languages: en
            Canonical: \(base)/.well-known/security.txt

            """
    }
}
