import FluentKit
import Foundation
import MeetCore

final class OrganizationModel: Model, @unchecked Sendable {
    static let schema = "organizations"

    @ID(key: .id) var id: UUID?
    @Field(key: "name") var name: String
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Field(key: "require_mfa") var requireMFA: Bool
    @Field(key: "allow_signup") var allowSignup: Bool
    @Field(key: "session_idle_seconds") var sessionIdleSeconds: Int64
    @Field(key: "session_absolute_seconds") var sessionAbsoluteSeconds: Int64
    @Field(key: "meeting_passcode_required") var meetingPasscodeRequired: Bool
    @Field(key: "meeting_waiting_room") var meetingWaitingRoom: String
    @Field(key: "meeting_who_may_record") var meetingWhoMayRecord: String
    @Field(key: "meeting_who_may_share_screen") var meetingWhoMayShareScreen: String
    @Field(key: "meeting_e2ee_required") var meetingE2EERequired: Bool
    @Field(key: "chat_retention_days") var chatRetentionDays: Int64

    init() {}

    init(id: UUID, name: String) {
        self.id = id
        self.name = name
        requireMFA = false
        allowSignup = false
        sessionIdleSeconds = 1800
        sessionAbsoluteSeconds = 43_200
        apply(meetings: .standard)
        chatRetentionDays = Int64(RetentionPolicy.standard.chatMessageDays)
    }

    func apply(meetings: MeetingPolicy) {
        meetingPasscodeRequired = meetings.passcodeRequired
        meetingWaitingRoom = meetings.waitingRoom.rawValue
        meetingWhoMayRecord = meetings.whoMayRecord.rawValue
        meetingWhoMayShareScreen = meetings.whoMayShareScreen.rawValue
        meetingE2EERequired = meetings.e2eeRequired
    }

    func meetings() throws -> MeetingPolicy {
        guard
            let waitingRoom = MeetingPolicy.WaitingRoom(rawValue: meetingWaitingRoom),
            let record = MeetingPolicy.Recording(rawValue: meetingWhoMayRecord),
            let share = MeetingPolicy.ScreenSharing(rawValue: meetingWhoMayShareScreen)
        else { throw StoreError("organisation \(id?.uuidString ?? "?") has an unknown meeting policy value") }
        return MeetingPolicy(
            passcodeRequired: meetingPasscodeRequired,
            waitingRoom: waitingRoom,
            whoMayRecord: record,
            whoMayShareScreen: share,
            e2eeRequired: meetingE2EERequired
        )
    }
}
