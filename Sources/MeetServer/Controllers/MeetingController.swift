import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import MeetCore
import MeetCrypto

/// Meetings over HTTPS (docs/signaling.md): create, list, show, change and end them, and get a
/// single-use join ticket for the signaling socket.
struct MeetingController {
    let meetings: MeetingService
    let publicURL: URL

    static let guestCookie = "__Host-dm_guest"

    struct CreateRequest: Decodable {
        let title: String
        let scheduledFor: Date?
        let passcode: String?
        let settings: MeetingSettings?
    }

    struct UpdateRequest: Decodable {
        let title: String?
        let scheduledFor: Date?
        let passcode: String?
        let settings: MeetingSettings?
        /// JSON `null` for `passcode` / `scheduledFor` clears them; absence leaves them.
        let clearPasscode: Bool?
        let clearSchedule: Bool?
    }

    struct TicketRequest: Decodable {
        let displayName: String?
        let passcode: String?
    }

    struct MeetingBody: ResponseEncodable {
        let id: String
        let number: String
        let title: String
        let link: String
        let scheduledFor: Date?
        let createdAt: Date
        let passcodeRequired: Bool
        let settings: MeetingSettings
        let ended: Bool
        /// Only in the answer that generated it.
        let passcode: String?
    }

    struct MeetingList: ResponseEncodable {
        let meetings: [MeetingBody]
    }

    struct PublicBody: ResponseEncodable {
        let id: String
        let title: String
        let passcodeRequired: Bool
        let whoMayJoin: MeetingSettings.JoinRule
        let e2ee: Bool
        let ended: Bool
    }

    struct ChatPage: ResponseEncodable {
        struct Message: Encodable {
            let id: UUID
            let sentAt: Date
            let from: UUID
            let name: String
            /// The text; absent for a message of an end-to-end encrypted meeting…
            let text: String?
            /// …which has the participants' ciphertext `{epoch, nonce, ciphertext}` instead.
            let e2ee: E2EEChatMessage?

            init(_ message: ChatMessage) {
                id = message.id
                sentAt = message.sentAt
                from = message.from
                name = message.name
                text = message.e2ee == nil ? message.text : nil
                e2ee = message.e2ee
            }
        }
        let messages: [Message]
        /// The `after` of the next page, when this one was full.
        let next: UUID?
    }

    struct TicketBody: ResponseEncodable {
        let ticket: String
        let expiresAt: Date
        let signalingURL: String
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        let group = router.group("/api/v1/meetings")
        group.post { request, context -> EditedResponse<MeetingBody> in
            let signedIn = try context.requireSignedIn()
            let body = try await request.decodeJSON(as: CreateRequest.self, context: context)
            let (record, generated) = try await mapped {
                try await meetings.create(
                    signedIn,
                    MeetingService.Draft(title: body.title, scheduledFor: body.scheduledFor, passcode: body.passcode, settings: body.settings)
                )
            }
            return EditedResponse(status: .created, response: self.body(record, passcode: generated))
        }
        group.get { _, context -> MeetingList in
            let signedIn = try context.requireSignedIn()
            return MeetingList(meetings: try await mapped { try await meetings.hosted(signedIn) }.map { self.body($0) })
        }
        group.get("/:meetingId") { _, context -> PublicBody in
            let record = try await Self.meeting(context, meetings)
            return PublicBody(
                id: record.id,
                title: record.title,
                passcodeRequired: record.passcodeHash != nil,
                whoMayJoin: record.settings.whoMayJoin,
                e2ee: record.settings.e2ee,
                ended: record.endedAt != nil
            )
        }
        group.get("/:meetingId/details") { _, context -> MeetingBody in
            let signedIn = try context.requireSignedIn()
            let id = try Self.meetingID(context)
            return self.body(try await mapped { try await meetings.managed(signedIn, id: id) })
        }
        group.get("/:meetingId/chat") { request, context -> ChatPage in
            let signedIn = try context.requireSignedIn()
            let id = try Self.meetingID(context)
            let query = request.uri.queryParameters
            var after: UUID?
            if let value = query["after"] {
                guard let parsed = UUID(uuidString: String(value)) else {
                    throw APIError(MeetError(.invalidInput, "after must be a message id.", field: "after"))
                }
                after = parsed
            }
            var limit = 200
            if let value = query["limit"] {
                guard let parsed = Int(String(value)), (1...1000).contains(parsed) else {
                    throw APIError(MeetError(.invalidInput, "limit must be between 1 and 1000.", field: "limit"))
                }
                limit = parsed
            }
            let messages = try await mapped { try await meetings.chatTranscript(signedIn, id: id, after: after, limit: limit) }
            return ChatPage(
                messages: messages.map(ChatPage.Message.init),
                next: messages.count == limit ? messages.last?.id : nil
            )
        }
        group.patch("/:meetingId") { request, context -> MeetingBody in
            let signedIn = try context.requireSignedIn()
            let id = try Self.meetingID(context)
            let body = try await request.decodeJSON(as: UpdateRequest.self, context: context)
            let (record, generated) = try await mapped {
                try await meetings.update(
                    signedIn,
                    id: id,
                    title: body.title,
                    scheduledFor: body.clearSchedule == true ? .some(nil) : body.scheduledFor.map { .some($0) },
                    passcode: body.clearPasscode == true ? .some(nil) : body.passcode.map { .some($0) },
                    settings: body.settings
                )
            }
            return self.body(record, passcode: generated)
        }
        group.delete("/:meetingId") { _, context -> Response in
            let signedIn = try context.requireSignedIn()
            let id = try Self.meetingID(context)
            try await mapped { try await meetings.end(signedIn, id: id) }
            return Response(status: .noContent)
        }
        group.post("/:meetingId/tickets") { request, context -> Response in
            let record = try await Self.meeting(context, meetings)
            return try await ticket(record, byNumber: false, request: request, context: context)
        }
        group.post("/by-number/:number/tickets") { request, context -> Response in
            let number = context.parameters.get("number") ?? ""
            guard number.count == 10, number.allSatisfy(\.isASCII), number.allSatisfy(\.isNumber),
                let record = try await meetings.repository.meeting(number: number)
            else {
                throw APIError(.notFound, code: "not_found", message: "There is no meeting with that number.")
            }
            return try await ticket(record, byNumber: true, request: request, context: context)
        }
    }

    private func ticket(_ record: MeetingRecord, byNumber: Bool, request: Request, context: AppRequestContext) async throws -> Response {
        let signedIn = context.signedIn.flatMap { $0.session.stage == .active ? $0 : nil }
        let body = try await request.decodeJSON(as: TicketRequest.self, context: context)
        let guestToken = request.cookies[Self.guestCookie].flatMap { SecureToken(text: $0.value) }
        let guest = guestToken ?? SecureToken()
        if signedIn == nil, (body.displayName ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw APIError(.badRequest, code: "invalid_input", message: "Enter the name others will see.", field: "displayName")
        }
        let ticket = try await mapped {
            try await meetings.ticket(
                for: record,
                signedIn: signedIn,
                guest: Self.guestIdentity(guest),
                displayName: body.displayName ?? "",
                passcode: body.passcode,
                byNumber: byNumber,
                client: request.clientInfo(context: context)
            )
        }
        var signaling = URLComponents(url: publicURL, resolvingAgainstBaseURL: false)
        signaling?.scheme = "wss"
        signaling?.path = "/api/v1/signaling"
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let answer = TicketBody(
            ticket: ticket.token.text,
            expiresAt: ticket.expiresAt,
            signalingURL: signaling?.url?.absoluteString ?? "/api/v1/signaling"
        )
        var response = Response(status: .created, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(answer))))
        response.headers[.contentType] = "application/json; charset=utf-8"
        response.headers[.cacheControl] = "no-store"
        if signedIn == nil && guestToken == nil {
            response.headers.append(
                HTTPField(name: .setCookie, value: "\(Self.guestCookie)=\(guest.text); Path=/; Max-Age=31536000; Secure; HttpOnly; SameSite=Strict")
            )
        }
        return response
    }

    /// A guest's identity: stable for as long as the browser keeps its guest cookie.
    static func guestIdentity(_ token: SecureToken) -> UUID {
        let digest = Array(SHA256.hash(data: Array("digitalmeet guest".utf8) + token.bytes))
        return UUID(
            uuid: (
                digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6], digest[7],
                digest[8], digest[9], digest[10], digest[11], digest[12], digest[13], digest[14], digest[15]
            )
        )
    }

    static func meetingID(_ context: AppRequestContext) throws -> String {
        guard let id = context.parameters.get("meetingId"), id.utf8.count == 22, Base64URL.decode(id)?.count == 16 else {
            throw APIError(.notFound, code: "not_found", message: "There is no such meeting.")
        }
        return id
    }

    static func meeting(_ context: AppRequestContext, _ meetings: MeetingService) async throws -> MeetingRecord {
        guard let record = try await meetings.repository.meeting(id: try meetingID(context)) else {
            throw APIError(.notFound, code: "not_found", message: "There is no such meeting.")
        }
        return record
    }

    func body(_ record: MeetingRecord, passcode: String? = nil) -> MeetingBody {
        var link = URLComponents(url: publicURL, resolvingAgainstBaseURL: false)
        link?.path = "/m/\(record.id)"
        return MeetingBody(
            id: record.id,
            number: record.number,
            title: record.title,
            link: link?.url?.absoluteString ?? "/m/\(record.id)",
            scheduledFor: record.scheduledFor,
            createdAt: record.createdAt,
            passcodeRequired: record.passcodeHash != nil,
            settings: record.settings,
            ended: record.endedAt != nil,
            passcode: passcode
        )
    }
}
