import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import MeetCore
import MeetCrypto
import Metrics
import NIOCore
import NIOWebSocket
import Synchronization

/// `wss://…/api/v1/signaling` (docs/signaling.md): the upgrade checks the Origin; the first message
/// joins with a ticket or resumes a kept seat; then every message is a command for the meeting's
/// state machine, limited in size and rate. The session behind a signed-in participant is
/// revalidated every five minutes.
struct SignalingController: Sendable {
    let hub: MeetingHub
    let meetings: any MeetingRepository
    let identity: IdentityService
    let allowedOrigins: Set<String>
    let logger: Logger

    static let path = "/api/v1/signaling"
    static let firstMessageTimeout: Duration = .seconds(10)
    static let revalidationInterval: Duration = .seconds(300)
    static let maximumFrame = 128 * 1024

    /// A request for the signaling path that was not upgraded (wrong Origin, or not a WebSocket
    /// request) reaches the ordinary router: it is refused with a reason.
    func addRefusal(to router: Router<AppRequestContext>) {
        router.get(RouterPath(stringLiteral: Self.path)) { _, _ -> Response in
            throw APIError(
                .forbidden,
                code: "forbidden",
                message: "Signaling is a WebSocket opened from DigitalMeet's own pages (the Origin must be the server's)."
            )
        }
    }

    func addRoutes(to router: Router<SignalingRequestContext>) {
        router.ws(RouterPath(stringLiteral: Self.path)) { request, _ in
            guard let origin = request.headers[.origin], allowedOrigins.contains(origin) else {
                Counter(label: "digitalmeet_signaling_refused_total", dimensions: [("reason", "origin")]).increment()
                return .dontUpgrade
            }
            return .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            // Who opened the socket: a ticket only works for the account or guest it was issued to.
            let cookies = context.request.cookies
            let signedIn = try? await identity.authenticate(tokenText: cookies[SessionMiddleware.sessionCookie]?.value ?? "")
            let guest = cookies[MeetingController.guestCookie].flatMap { SecureToken(text: $0.value) }.map(MeetingController.guestIdentity)
            let holder = SignalingConnection.Holder(
                userID: signedIn.flatMap { $0.session.stage == .active ? $0.user.id : nil },
                sessionID: signedIn?.session.id,
                guestID: guest
            )
            await SignalingConnection(controller: self, holder: holder).run(inbound: inbound, outbound: outbound)
        }
    }
}

/// One socket's life: writer, timers and the read loop.
struct SignalingConnection: Sendable {
    let controller: SignalingController
    let holder: Holder
    let id = UUID()

    /// The account (by the session cookie) or guest identity (by the guest cookie) behind the socket.
    struct Holder: Sendable {
        let userID: UUID?
        let sessionID: UUID?
        let guestID: UUID?

        func holds(_ identity: ParticipantIdentity) -> Bool {
            switch identity {
            case .member(let user): user == userID
            case .guest(let guest): guest == guestID
            }
        }
    }

    /// Where this socket sits, once joined.
    final class Place: Sendable {
        let value = Mutex<(meetingID: String, seat: UUID, userID: UUID?, sessionID: UUID?)?>(nil)
    }

    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async {
        let (stream, continuation) = AsyncStream<SignalingOutbound>.makeStream(bufferingPolicy: .bufferingNewest(512))
        let place = Place()
        Gauge(label: "digitalmeet_signaling_connections").record(1)
        let timers = Task {
            try? await Task.sleep(for: SignalingController.firstMessageTimeout)
            if place.value.withLock({ $0 }) == nil {
                continuation.yield(.close(code: 4401, reason: "Join with a ticket first."))
            }
            while !Task.isCancelled {
                try? await Task.sleep(for: SignalingController.revalidationInterval)
                guard !Task.isCancelled else { return }
                await revalidate(place: place, continuation: continuation)
            }
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await message in stream {
                    switch message {
                    case .text(let text): try? await outbound.write(.text(text))
                    case .close(let code, let reason):
                        try? await outbound.close(.init(codeNumber: Int(code)), reason: reason)
                        return
                    }
                }
            }
            await read(inbound: inbound, place: place, continuation: continuation)
            if let current = place.value.withLock({ $0 }) {
                await controller.hub.disconnected(meetingID: current.meetingID, seat: current.seat, connection: id)
            }
            // The writer sends what is queued (the answer to a last `leave`), then the socket closes.
            continuation.finish()
        }
        timers.cancel()
    }

    private func read(inbound: WebSocketInboundStream, place: Place, continuation: AsyncStream<SignalingOutbound>.Continuation) async {
        var bucket = TokenBucket(rate: 20, burst: 40)
        var refusedInARow = 0
        var iterator = inbound.messages(maxSize: SignalingController.maximumFrame).makeAsyncIterator()
        while true {
            let message: WebSocketMessage?
            do {
                message = try await iterator.next()
            } catch {
                return
            }
            guard let message else { return }
            guard bucket.take(now: ContinuousClock.now) else {
                refusedInARow += 1
                continuation.yield(.error(nil, code: "too_many_requests", message: "Slow down: at most 20 messages a second."))
                if refusedInARow > 40 {
                    continuation.yield(.close(code: 4429, reason: "Too many messages."))
                    return
                }
                continue
            }
            refusedInARow = 0
            guard case .text(let text) = message else {
                continuation.yield(.error(nil, code: "invalid_message", message: "Send text messages (JSON)."))
                continue
            }
            switch SignalingRequest.decode(text) {
            case .failure(let failure):
                continuation.yield(.error(failure.re, code: failure.code, message: failure.message))
            case .success(let (messageID, request)):
                let keepGoing = await handle(request, id: messageID, place: place, continuation: continuation)
                if !keepGoing { return }
            }
        }
    }

    /// Answers one request; false when the socket must close.
    private func handle(
        _ request: SignalingRequest,
        id messageID: String,
        place: Place,
        continuation: AsyncStream<SignalingOutbound>.Continuation
    ) async -> Bool {
        let current = place.value.withLock { $0 }
        let send: @Sendable (SignalingOutbound) -> Void = { continuation.yield($0) }
        do {
            switch (request, current) {
            case (.join(let ticketText), nil):
                guard let token = SecureToken(text: ticketText),
                    let ticket = try await controller.meetings.claimTicket(tokenHash: token.hash, at: Date()),
                    let record = try await controller.meetings.meeting(id: ticket.meetingID)
                else {
                    continuation.yield(.error(messageID, code: "invalid_ticket", message: "This join ticket is unknown, used or expired."))
                    continuation.yield(.close(code: 4401, reason: "Get a new ticket to join."))
                    return false
                }
                guard holder.holds(ticket.identity) else {
                    Counter(label: "digitalmeet_signaling_refused_total", dimensions: [("reason", "ticket_holder")]).increment()
                    continuation.yield(.error(messageID, code: "invalid_ticket", message: "This join ticket was issued to someone else."))
                    continuation.yield(.close(code: 4401, reason: "Get your own ticket to join."))
                    return false
                }
                let userID: UUID? = if case .member(let user) = ticket.identity { user } else { nil }
                let connection = MeetingHub.Connection(id: id, send: send, sessionID: holder.sessionID ?? ticket.sessionID, userID: userID)
                let seated = try await controller.hub.join(record, ticket: ticket, connection: connection)
                place.value.withLock { $0 = (record.id, seated.seat, userID, ticket.sessionID) }
                continuation.yield(answer(messageID, meetingID: record.id, seated))
            case (.resume(let tokenText), nil):
                let parts = tokenText.split(separator: ".", maxSplits: 1).map(String.init)
                guard parts.count == 2, parts[0].utf8.count == 22, let token = SecureToken(text: parts[1]) else {
                    throw MeetError(.expired, "That resume token is not valid.")
                }
                let connection = MeetingHub.Connection(id: id, send: send, sessionID: holder.sessionID, userID: nil)
                let holder = holder
                let (meetingID, seated) = try await controller.hub.resume(
                    meetingID: parts[0],
                    tokenHash: token.hash,
                    connection: connection,
                    holds: { holder.holds($0) }
                )
                place.value.withLock { $0 = (meetingID, seated.seat, seated.userID, holder.sessionID) }
                continuation.yield(answer(messageID, meetingID: meetingID, seated))
                for message in seated.held { continuation.yield(message) }
            case (.join, .some), (.resume, .some):
                continuation.yield(.error(messageID, code: "conflict", message: "This connection has already joined."))
            case (_, nil):
                continuation.yield(.close(code: 4401, reason: "Join with a ticket first."))
                return false
            case (.command(let command), .some(let place)):
                try await controller.hub.perform(command, meetingID: place.meetingID, seat: place.seat, actorUserID: place.userID)
                continuation.yield(.ok(messageID))
                if command == .leave { return false }
            case (.publish(let sdp, let tracks), .some(let place)):
                let answer = try await controller.hub.publish(meetingID: place.meetingID, seat: place.seat, offerSDP: sdp, tracks: tracks)
                continuation.yield(.ok(messageID, ["sdp": answer]))
            case (.subscribe, .some(let place)):
                let (offer, version) = try await controller.hub.subscribe(meetingID: place.meetingID, seat: place.seat)
                continuation.yield(.ok(messageID, ["sdp": offer, "version": version]))
            case (.subscribeAnswer(let version, let sdp), .some(let place)):
                try await controller.hub.answerSubscription(meetingID: place.meetingID, seat: place.seat, version: version, answerSDP: sdp)
                continuation.yield(.ok(messageID))
            }
        } catch let error as MeetError {
            continuation.yield(.error(messageID, code: error.code.rawValue, message: error.reason))
            if current == nil, [.removedFromMeeting, .meetingLocked, .meetingEnded, .meetingFull, .forbidden, .expired].contains(error.code) {
                continuation.yield(.close(code: 4403, reason: error.reason))
                return false
            }
        } catch {
            controller.logger.error("Signaling request failed", metadata: ["event": "signaling.error", "error": "\(error)"])
            continuation.yield(.error(messageID, code: "internal", message: "Something went wrong on the server; try again."))
        }
        return true
    }

    private func answer(_ messageID: String, meetingID: String, _ seated: MeetingHub.Seated) -> SignalingOutbound {
        var fields: [String: any Encodable & Sendable] = [
            "seat": seated.seat, "status": seated.status.rawValue, "resumeToken": "\(meetingID).\(seated.resumeToken.text)",
        ]
        if let snapshot = seated.snapshot { fields["meeting"] = snapshot } else { fields["title"] = seated.title }
        return .ok(messageID, fields)
    }

    private func revalidate(place: Place, continuation: AsyncStream<SignalingOutbound>.Continuation) async {
        guard let current = place.value.withLock({ $0 }), let userID = current.userID else { return }
        // Still an enabled account with a live session (sessions rotate on step-up, so any live one counts).
        let identity = controller.identity
        let user = try? await identity.repository.user(id: userID)
        let sessions = (try? await identity.repository.sessions(userID: userID)) ?? []
        let alive = user?.disabledAt == nil && user != nil && sessions.contains { $0.stage == .active && $0.isAlive(at: identity.now()) }
        guard !alive else { return }
        continuation.yield(.message(["type": "event", "event": "session_ended"]))
        continuation.yield(.close(code: 4401, reason: "Your session ended."))
        try? await controller.hub.perform(.leave, meetingID: current.meetingID, seat: current.seat, actorUserID: current.userID)
    }
}

/// At most `rate` messages a second on average, `burst` at once.
struct TokenBucket {
    let rate: Double
    let burst: Double
    var tokens: Double
    var last: ContinuousClock.Instant?

    init(rate: Double, burst: Double) {
        self.rate = rate
        self.burst = burst
        tokens = burst
    }

    mutating func take(now: ContinuousClock.Instant) -> Bool {
        if let last {
            let elapsed = now - last
            tokens = min(burst, tokens + rate * (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))
        }
        last = now
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
