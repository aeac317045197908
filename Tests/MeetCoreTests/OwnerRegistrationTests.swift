import Testing

@testable import MeetCore

@Suite struct OwnerRegistrationTests {
    @Test func normalisesFields() throws {
        let registration = try OwnerRegistration(
            organizationName: "  Acme  ",
            displayName: " Ada ",
            email: "  Ada.Lovelace@Example.COM ",
            password: "irrelevant here"
        ).validated()
        #expect(registration.organizationName == "Acme")
        #expect(registration.displayName == "Ada")
        #expect(registration.email == "ada.lovelace@example.com")
    }

    @Test(arguments: [
        ("", "Ada", "ada@example.com", "organizationName"),
        ("Acme", "", "ada@example.com", "displayName"),
        ("Acme", "Ada", "not-an-email", "email"),
        ("Acme", "Ada", "ada@example", "email"),
        ("Acme", "Ada", "a b@example.com", "email"),
        ("Acme", "Ada", "ada@@example.com", "email"),
        (String(repeating: "x", count: 101), "Ada", "ada@example.com", "organizationName"),
    ])
    func rejectsInvalidFieldsNamingTheField(organization: String, name: String, email: String, field: String) {
        do {
            _ = try OwnerRegistration(organizationName: organization, displayName: name, email: email, password: "p").validated()
            Issue.record("accepted invalid input")
        } catch let error as MeetError {
            #expect(error.code == .invalidInput)
            #expect(error.field == field)
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}
