import Foundation
import MeetCore
import Testing

/// The SFU forwards exactly what the meeting state allows: these follow each control that changes it.
@Suite struct MediaGrantTests {
    @Test func aHostsMuteAndStopVideoWithdrawTheGrantUntilThePersonTurnsThemBackOn() throws {
        var meeting = MeetingFixture(waitingRoom: .off)
        let host = try meeting.joinHost()
        let mia = try meeting.joinMember()
        #expect(meeting.room.mediaGrants[mia] == MediaGrant(audio: true, camera: false, screen: false), "camera starts off")
        try meeting.perform(.setMedia(audioMuted: false, videoOn: true), by: mia)
        #expect(meeting.room.mediaGrants[mia] == MediaGrant(audio: true, camera: true, screen: false))

        try meeting.perform(.mute(mia), by: host)
        try meeting.perform(.stopVideo(mia), by: host)
        #expect(meeting.room.mediaGrants[mia] == .nothing)
        // Only the person can turn them back on.
        try meeting.perform(.setMedia(audioMuted: false, videoOn: true), by: mia)
        #expect(meeting.room.mediaGrants[mia] == MediaGrant(audio: true, camera: true, screen: false))

        try meeting.perform(.muteAll, by: host)
        #expect(meeting.room.mediaGrants[mia]?.audio == false)
        #expect(meeting.room.mediaGrants[host]?.audio == true, "mute all spares the one who asked")
    }

    @Test func aScreenIsGrantedOnlyWhileTheStateMachineHasThePersonSharing() throws {
        var floor = MeetingPolicy.standard
        floor.whoMayShareScreen = .everyone
        var meeting = MeetingFixture(waitingRoom: .off, floor: floor) { $0.whoMayShareScreen = .hosts }
        let host = try meeting.joinHost()
        let mia = try meeting.joinMember()
        #expect(throws: MeetError.self) { try meeting.perform(.startScreenShare, by: mia) }
        #expect(meeting.room.mediaGrants[mia]?.screen == false)

        try meeting.perform(.setScreenSharing(.everyone), by: host)
        try meeting.perform(.startScreenShare, by: mia)
        #expect(meeting.room.mediaGrants[mia]?.screen == true)
        try meeting.perform(.stopScreenShare(mia), by: host)
        #expect(meeting.room.mediaGrants[mia]?.screen == false)

        try meeting.perform(.startScreenShare, by: mia)
        try meeting.perform(.setScreenSharing(.hosts), by: host)
        #expect(meeting.room.mediaGrants[mia]?.screen == false, "narrowing the rule stops a participant's share")
    }

    @Test func nobodyOutsideTheMeetingHasAGrant() throws {
        var meeting = MeetingFixture(waitingRoom: .guests)
        let host = try meeting.joinHost()
        let gus = try meeting.joinGuest()
        let mia = try meeting.joinMember()
        #expect(meeting.room.mediaGrants[gus] == nil, "the waiting room sends and receives nothing")
        try meeting.perform(.admit(gus), by: host)
        #expect(meeting.room.mediaGrants[gus] != nil)
        try meeting.perform(.remove(gus, allowRejoin: false), by: host)
        #expect(meeting.room.mediaGrants[gus] == nil)
        try meeting.perform(.leave, by: mia)
        #expect(Set(meeting.room.mediaGrants.keys) == [host])
        try meeting.perform(.endForAll, by: host)
        #expect(meeting.room.mediaGrants.isEmpty)
    }
}
