import FluentKit
import Foundation
import MeetCore
import SQLKit

/// `MeetingRepository` over the store. Settings and the durable room state are JSON columns.
public struct FluentMeetingRepository: MeetingRepository {
    let store: Store

    public init(store: Store) {
        self.store = store
    }

    public func create(_ meeting: MeetingRecord, audit: [AuditEvent]) async throws -> Bool {
        try await store.write { database in
            let sql = try database.sqlDatabase()
            let clash = try await sql.select().column("id").from("meetings")
                .where("id", .equal, meeting.id).orWhere("number", .equal, meeting.number).first()
            guard clash == nil else { return false }
            try await sql.insert(into: "meetings")
                .columns(
                    "id",
                    "number",
                    "organization_id",
                    "host_user_id",
                    "title",
                    "scheduled_for_ms",
                    "created_at_ms",
                    "passcode_hash",
                    "settings",
                    "state",
                    "ended_at_ms"
                )
                .values(
                    SQLBind(meeting.id),
                    SQLBind(meeting.number),
                    SQLBind(meeting.organizationID.uuidString.lowercased()),
                    SQLBind(meeting.hostUserID.uuidString.lowercased()),
                    SQLBind(meeting.title),
                    SQLBind(meeting.scheduledFor.map(Self.ms)),
                    SQLBind(Self.ms(meeting.createdAt)),
                    SQLBind(meeting.passcodeHash),
                    SQLBind(try Self.json(meeting.settings)),
                    SQLBind(try Self.json(meeting.state)),
                    SQLBind(meeting.endedAt.map(Self.ms))
                )
                .run()
            try await FluentAuditRepository.append(audit, on: database)
            return true
        }
    }

    public func meeting(id: String) async throws -> MeetingRecord? {
        try await store.sql.select().column("*").from("meetings").where("id", .equal, id).first().map(Self.record)
    }

    public func meeting(number: String) async throws -> MeetingRecord? {
        try await store.sql.select().column("*").from("meetings").where("number", .equal, number).first().map(Self.record)
    }

    public func meetings(hostedBy userID: UUID) async throws -> [MeetingRecord] {
        let id = userID.uuidString.lowercased()
        // Co-hosts are inside the state JSON; the organisation's meetings are few enough to filter here.
        let rows = try await store.sql.select().column("*").from("meetings")
            .where("ended_at_ms", .is, SQLLiteral.null)
            .where { $0.where("host_user_id", .equal, id).orWhere("state", .like, "%\(id.uppercased())%") }
            .all()
        return try rows.map(Self.record).filter { record in
            let host = record.state.hostIdentity ?? .member(record.hostUserID)
            return host == .member(userID) || record.state.coHosts.contains(.member(userID))
        }.sorted { ($0.scheduledFor ?? $0.createdAt) < ($1.scheduledFor ?? $1.createdAt) }
    }

    public func update(_ meeting: MeetingRecord, audit: [AuditEvent]) async throws {
        try await store.write { database in
            try await database.sqlDatabase().update("meetings")
                .set("title", to: meeting.title)
                .set("scheduled_for_ms", to: SQLBind(meeting.scheduledFor.map(Self.ms)))
                .set("passcode_hash", to: SQLBind(meeting.passcodeHash))
                .set("settings", to: try Self.json(meeting.settings))
                .set("ended_at_ms", to: SQLBind(meeting.endedAt.map(Self.ms)))
                .where("id", .equal, meeting.id)
                .run()
            try await FluentAuditRepository.append(audit, on: database)
        }
    }

    public func saveState(meetingID: String, state: DurableRoomState, endedAt: Date?, audit: [AuditEvent]) async throws {
        try await store.write { database in
            var update = try database.sqlDatabase().update("meetings").set("state", to: try Self.json(state))
            if let endedAt { update = update.set("ended_at_ms", to: Self.ms(endedAt)) }
            try await update.where("id", .equal, meetingID).run()
            try await FluentAuditRepository.append(audit, on: database)
        }
    }

    public func createTicket(_ ticket: JoinTicket, tokenHash: [UInt8]) async throws {
        try await store.write { database in
            let sql = try database.sqlDatabase()
            // Spent and expired tickets go as new ones come.
            try await sql.delete(from: "join_tickets").where("expires_at_ms", .lessThan, Self.ms(Date()) - 3_600_000).run()
            try await sql.insert(into: "join_tickets")
                .columns(
                    "token_hash",
                    "id",
                    "meeting_id",
                    "identity",
                    "display_name",
                    "signed_in",
                    "organization_member",
                    "session_id",
                    "expires_at_ms"
                )
                .values(
                    SQLBind(Data(tokenHash)),
                    SQLBind(ticket.id.uuidString.lowercased()),
                    SQLBind(ticket.meetingID),
                    SQLBind(try Self.json(ticket.identity)),
                    SQLBind(ticket.displayName),
                    SQLBind(Int64(ticket.signedIn ? 1 : 0)),
                    SQLBind(Int64(ticket.organizationMember ? 1 : 0)),
                    SQLBind(ticket.sessionID?.uuidString.lowercased()),
                    SQLBind(Self.ms(ticket.expiresAt))
                )
                .run()
        }
    }

    public func claimTicket(tokenHash: [UInt8], at: Date) async throws -> JoinTicket? {
        try await store.write { database in
            let sql = try database.sqlDatabase()
            let claimed = try await sql.update("join_tickets")
                .set("used_at_ms", to: Self.ms(at))
                .where("token_hash", .equal, Data(tokenHash))
                .where("used_at_ms", .is, SQLLiteral.null)
                .where("expires_at_ms", .greaterThan, Self.ms(at))
                .returning("*")
                .all()
            guard let row = claimed.first else { return nil }
            guard let id = UUID(uuidString: try row.decode(column: "id", as: String.self)) else {
                throw StoreError("a join ticket has a malformed id")
            }
            return JoinTicket(
                id: id,
                meetingID: try row.decode(column: "meeting_id", as: String.self),
                identity: try JSONDecoder().decode(ParticipantIdentity.self, from: Data(try row.decode(column: "identity", as: String.self).utf8)),
                displayName: try row.decode(column: "display_name", as: String.self),
                signedIn: try row.decode(column: "signed_in", as: Int64.self) == 1,
                organizationMember: try row.decode(column: "organization_member", as: Int64.self) == 1,
                sessionID: try row.decode(column: "session_id", as: String?.self).flatMap(UUID.init(uuidString:)),
                expiresAt: Date(milliseconds: try row.decode(column: "expires_at_ms", as: Int64.self))
            )
        }
    }

    static func ms(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    static func json(_ value: some Encodable) throws -> String {
        String(decoding: try JSONEncoder.sorted.encode(value), as: UTF8.self)
    }

    static func record(_ row: any SQLRow) throws -> MeetingRecord {
        func uuid(_ column: String) throws -> UUID {
            guard let id = UUID(uuidString: try row.decode(column: column, as: String.self)) else {
                throw StoreError("meetings.\(column) holds a malformed id")
            }
            return id
        }
        return MeetingRecord(
            id: try row.decode(column: "id", as: String.self),
            number: try row.decode(column: "number", as: String.self),
            organizationID: try uuid("organization_id"),
            hostUserID: try uuid("host_user_id"),
            title: try row.decode(column: "title", as: String.self),
            scheduledFor: try row.decode(column: "scheduled_for_ms", as: Int64?.self).map(Date.init(milliseconds:)),
            createdAt: Date(milliseconds: try row.decode(column: "created_at_ms", as: Int64.self)),
            passcodeHash: try row.decode(column: "passcode_hash", as: String?.self),
            settings: try JSONDecoder().decode(MeetingSettings.self, from: Data(try row.decode(column: "settings", as: String.self).utf8)),
            endedAt: try row.decode(column: "ended_at_ms", as: Int64?.self).map(Date.init(milliseconds:)),
            state: try JSONDecoder().decode(DurableRoomState.self, from: Data(try row.decode(column: "state", as: String.self).utf8))
        )
    }
}
