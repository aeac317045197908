import Foundation

/// What the one-time setup link asks for to create the first owner account and organisation.
public struct OwnerRegistration: Sendable {
    public var organizationName: String
    public var displayName: String
    public var email: String
    public var password: String

    public init(organizationName: String, displayName: String, email: String, password: String) {
        self.organizationName = organizationName
        self.displayName = displayName
        self.email = email
        self.password = password
    }

    /// Trims and checks the fields that are not the password; the password has `PasswordPolicy`.
    public func validated() throws -> OwnerRegistration {
        var copy = self
        copy.organizationName = organizationName.trimmingCharacters(in: .whitespacesAndNewlines)
        copy.displayName = displayName.trimmingCharacters(in: .whitespacesAndNewlines)
        copy.email = EmailAddress.normalize(email)
        guard (1...100).contains(copy.organizationName.count) else {
            throw MeetError(.invalidInput, "Give the organisation a name of 1 to 100 characters.", field: "organizationName")
        }
        guard (1...100).contains(copy.displayName.count) else {
            throw MeetError(.invalidInput, "Give your name in 1 to 100 characters.", field: "displayName")
        }
        guard EmailAddress.isPlausible(copy.email) else {
            throw MeetError(.invalidInput, "Enter an email address such as name@example.com.", field: "email")
        }
        return copy
    }
}

/// Email addresses as DigitalMeet compares them.
public enum EmailAddress {
    /// Trimmed, NFC and lowercased: the form that is encrypted and blind-indexed.
    public static func normalize(_ email: String) -> String {
        email.trimmingCharacters(in: .whitespacesAndNewlines).precomposedStringWithCanonicalMapping.lowercased()
    }

    /// A syntactic sanity check (one "@", a dot in the domain, no spaces, at most 254 characters);
    /// ownership is proven by the verification email, not by this.
    public static func isPlausible(_ email: String) -> Bool {
        guard email.count <= 254, !email.contains(where: { $0.isWhitespace || $0.isNewline }) else { return false }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].count <= 64 else { return false }
        let domain = parts[1]
        return domain.contains(".") && !domain.hasPrefix(".") && !domain.hasSuffix(".") && !domain.contains("..")
    }
}

/// The outcome of redeeming a setup link.
public enum SetupRedemption: Sendable, Equatable {
    case created(userID: UUID, organizationID: UUID)
    /// Unknown, already used, or expired: the caller answers all three the same way.
    case invalidToken
    /// An owner already exists; setup links are dead from then on.
    case alreadySetUp
}

/// Storage for the first-owner setup flow.
public protocol OwnerSetupRepository: Sendable {
    /// Whether any owner account exists.
    func hasOwner() async throws -> Bool
    /// Stores a setup token's hash, invalidating every earlier unused one.
    func replaceSetupToken(hash: [UInt8], expiresAt: Date) async throws
    /// Whether the token could be redeemed now (cheap check before any password hashing).
    func isSetupTokenRedeemable(hash: [UInt8], now: Date) async throws -> Bool
    /// Consumes the token and creates the owner and organisation in one transaction.
    func redeemSetupToken(hash: [UInt8], now: Date, owner: ProtectedOwner) async throws -> SetupRedemption
}

/// An owner registration whose secrets have already been protected (password hashed, email encrypted).
public struct ProtectedOwner: Sendable {
    public var userID: UUID
    public var organizationID: UUID
    public var organizationName: String
    public var displayName: String
    public var emailCiphertext: [UInt8]
    public var emailBlindIndex: [UInt8]
    public var passwordHash: String

    public init(
        userID: UUID,
        organizationID: UUID,
        organizationName: String,
        displayName: String,
        emailCiphertext: [UInt8],
        emailBlindIndex: [UInt8],
        passwordHash: String
    ) {
        self.userID = userID
        self.organizationID = organizationID
        self.organizationName = organizationName
        self.displayName = displayName
        self.emailCiphertext = emailCiphertext
        self.emailBlindIndex = emailBlindIndex
        self.passwordHash = passwordHash
    }
}
