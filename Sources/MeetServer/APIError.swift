import Foundation
import Hummingbird
import MeetCore

/// The error body of every JSON API route: `{"error": {"code": "...", "message": "..."}}`, with a message
/// written for the person using the product and a code for programs.
struct APIError: HTTPResponseError {
    let status: HTTPResponse.Status
    let code: String
    let message: String
    let field: String?
    /// Seconds a throttled client should wait (`Retry-After`).
    var retryAfter: Int?

    init(_ status: HTTPResponse.Status, code: String, message: String, field: String? = nil, retryAfter: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.retryAfter = retryAfter
    }

    init(_ error: MeetError) {
        let status: HTTPResponse.Status =
            switch error.code {
            case .notFound: .notFound
            case .conflict: .conflict
            case .unauthorized, .invalidCredentials: .unauthorized
            case .throttled: .tooManyRequests
            case .forbidden, .stepUpRequired, .mfaRequired, .emailNotVerified, .signupDisabled, .meetingLocked, .removedFromMeeting: .forbidden
            case .meetingFull: .conflict
            case .meetingEnded: .gone
            case .busy: .serviceUnavailable
            case .expired: .gone
            default: .badRequest
            }
        self.init(status, code: error.code.rawValue, message: error.reason, field: error.field)
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let data = try JSONEncoder().encode(APIErrorBody(error: .init(code: code, message: message, field: field)))
        var response = Response(status: status, body: .init(byteBuffer: ByteBuffer(bytes: data)))
        response.headers[.contentType] = "application/json; charset=utf-8"
        if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
        return response
    }
}

struct APIErrorBody: Codable {
    struct Detail: Codable {
        let code: String
        let message: String
        let field: String?
    }
    let error: Detail
}

extension Request {
    /// Dates in request bodies are ISO 8601, with or without fractional seconds.
    static let jsonDecoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            if let date = try? Date(text, strategy: .iso8601) { return date }
            if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an ISO 8601 date"))
        }
        return decoder
    }()

    /// Decodes a JSON body of at most the context's upload limit, with errors a client can act on.
    func decodeJSON<T: Decodable>(as type: T.Type, context: AppRequestContext) async throws -> T {
        guard let contentType = headers[.contentType], contentType.lowercased().hasPrefix("application/json") else {
            throw APIError(.unsupportedMediaType, code: "unsupported_media_type", message: "Send the body as application/json.")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: context.maxUploadSize)
        } catch {
            throw APIError(.contentTooLarge, code: "too_large", message: "The request body is larger than \(context.maxUploadSize / 1024) KB.")
        }
        do {
            return try Self.jsonDecoder.decode(T.self, from: Data(buffer: buffer))
        } catch {
            throw APIError(.badRequest, code: "invalid_json", message: "The request body is not the JSON this route expects.")
        }
    }
}
