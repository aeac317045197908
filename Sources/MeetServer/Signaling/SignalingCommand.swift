import Foundation
import MeetCore
import MeetCrypto
import MeetMedia

/// A client message, decoded strictly: `{"v":1,"type","id", …}`. Anything else is refused with a
/// code the client can act on, and changes nothing.
enum SignalingRequest: Sendable, Equatable {
    case join(ticket: String)
    case resume(token: String)
    case command(MeetingRoom.Command)
    /// The browser's publish offer, with the source of each of its sections.
    case publish(sdp: String, tracks: [PublishedTrack])
    case subscribe
    case subscribeAnswer(version: Int, sdp: String)

    static let maximumTracks = 16

    struct Failure: Error, Equatable {
        let re: String?
        let code: String
        let message: String
    }

    static let maximumBytes = 64 * 1024

    /// Everything a message may carry, with strict types (a number where a boolean belongs is refused).
    private struct Fields: Decodable {
        let v: Int?
        let id: String?
        let type: String?
        let ticket: String?
        let resumeToken: String?
        let text: String?
        let displayName: String?
        let seat: String?
        let rule: String?
        let audioMuted: Bool?
        let videoOn: Bool?
        let consent: Bool?
        let allowRejoin: Bool?
        let sdp: String?
        let version: Int?
        let tracks: [Track]?
        let publicKey: String?
        let to: String?
        let epoch: Int?
        let payload: String?
        let e2ee: EncryptedChat?

        struct Track: Decodable {
            let mid: String
            let source: String
        }

        struct EncryptedChat: Decodable {
            let epoch: Int?
            let nonce: String?
            let ciphertext: String?
        }
    }

    /// Decodes one text message; the returned id is what the answer's `re` repeats. A well-formed
    /// message is parsed once; only a malformed one is looked at again to say what is wrong.
    static func decode(_ text: String) -> Result<(id: String, request: SignalingRequest), Failure> {
        guard text.utf8.count <= maximumBytes else {
            return .failure(Failure(re: nil, code: "too_large", message: "A message may be at most 64 KiB."))
        }
        let data = Data(text.utf8)
        guard let fields = try? JSONDecoder().decode(Fields.self, from: data) else {
            // Not an object, or a field of the wrong type: answer to its id when one can be read.
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
            let re = (object?["id"] as? String).flatMap { (1...64).contains($0.count) ? $0 : nil }
            let message =
                object == nil
                ? "Send one JSON object per message, with \"v\", \"type\" and \"id\"." : "A field of this message has the wrong type."
            return .failure(Failure(re: re, code: "invalid_message", message: message))
        }
        let re = fields.id.flatMap { (1...64).contains($0.count) ? $0 : nil }
        guard fields.v == 1 else {
            return .failure(Failure(re: re, code: "unsupported_version", message: "This server speaks version 1 (\"v\": 1)."))
        }
        guard let id = re else {
            return .failure(Failure(re: nil, code: "invalid_message", message: "Every message needs an \"id\" string of 1 to 64 characters."))
        }
        guard let type = fields.type else {
            return .failure(Failure(re: id, code: "invalid_message", message: "Every message needs a \"type\"."))
        }
        func string(_ key: String, _ value: String?) throws -> String {
            guard let value else { throw Failure(re: id, code: "invalid_message", message: "\"\(key)\" must be a string.") }
            return value
        }
        func seat() throws -> UUID {
            guard let value = fields.seat, let seat = UUID(uuidString: value) else {
                throw Failure(re: id, code: "invalid_message", message: "\"seat\" must be a participant's seat id.")
            }
            return seat
        }
        do {
            let request: SignalingRequest
            switch type {
            case "join": request = .join(ticket: try string("ticket", fields.ticket))
            case "resume": request = .resume(token: try string("resumeToken", fields.resumeToken))
            case "leave": request = .command(.leave)
            case "media": request = .command(.setMedia(audioMuted: fields.audioMuted, videoOn: fields.videoOn))
            case "raise_hand": request = .command(.raiseHand)
            case "lower_hand": request = .command(.lowerHand)
            case "chat": request = .command(try Self.chat(fields, id: id))
            case "rename": request = .command(.rename(try string("displayName", fields.displayName)))
            case "start_screen_share": request = .command(.startScreenShare)
            case "stop_screen_share": request = .command(.stopOwnScreenShare)
            case "recording_consent":
                guard let consent = fields.consent else { throw Failure(re: id, code: "invalid_message", message: "\"consent\" is required.") }
                request = .command(.consentToRecording(consent))
            case "admit": request = .command(.admit(try seat()))
            case "admit_all": request = .command(.admitAll)
            case "deny": request = .command(.deny(try seat()))
            case "remove": request = .command(.remove(try seat(), allowRejoin: fields.allowRejoin ?? false))
            case "mute": request = .command(.mute(try seat()))
            case "mute_all": request = .command(.muteAll)
            case "ask_to_unmute": request = .command(.askToUnmute(try seat()))
            case "stop_video": request = .command(.stopVideo(try seat()))
            case "stop_participant_screen_share": request = .command(.stopScreenShare(try seat()))
            case "lower_participant_hand": request = .command(.lowerHandOf(try seat()))
            case "lock": request = .command(.lock)
            case "unlock": request = .command(.unlock)
            case "screen_sharing":
                guard let rule = MeetingPolicy.ScreenSharing(rawValue: try string("rule", fields.rule)) else {
                    throw Failure(re: id, code: "invalid_message", message: "\"rule\" is hosts or everyone.")
                }
                request = .command(.setScreenSharing(rule))
            case "start_recording": request = .command(.startRecording)
            case "stop_recording": request = .command(.stopRecording)
            case "make_co_host": request = .command(.makeCoHost(try seat()))
            case "remove_co_host": request = .command(.removeCoHost(try seat()))
            case "transfer_host": request = .command(.transferHost(try seat()))
            case "end_for_all": request = .command(.endForAll)
            case "publish":
                let sdp = try string("sdp", fields.sdp)
                guard let declared = fields.tracks, declared.count <= maximumTracks else {
                    throw Failure(re: id, code: "invalid_message", message: "\"tracks\" lists at most \(maximumTracks) {mid, source} objects.")
                }
                var tracks: [PublishedTrack] = []
                for track in declared {
                    guard (1...32).contains(track.mid.utf8.count), !tracks.contains(where: { $0.mid == track.mid }),
                        let source = TrackSource(rawValue: track.source)
                    else {
                        throw Failure(
                            re: id,
                            code: "invalid_message",
                            message:
                                "Each track has a distinct \"mid\" (1 to 32 characters) and a \"source\": microphone, camera, screen or screenAudio."
                        )
                    }
                    tracks.append(PublishedTrack(mid: track.mid, source: source))
                }
                request = .publish(sdp: sdp, tracks: tracks)
            case "e2ee_public_key":
                guard let key = E2EEPublicKey.parse(try string("publicKey", fields.publicKey)) else {
                    throw Failure(
                        re: id,
                        code: "invalid_message",
                        message: "\"publicKey\" must be base64url (no padding) of an uncompressed P-256 point: 65 bytes, 0x04 first, on the curve."
                    )
                }
                request = .command(.announceE2EEKey(key))
            case "e2ee_key":
                guard let value = fields.to, let to = UUID(uuidString: value) else {
                    throw Failure(re: id, code: "invalid_message", message: "\"to\" must be a participant's seat id.")
                }
                let epoch = try Self.epoch(fields.epoch, id: id)
                guard let payload = Base64URL.decode(try string("payload", fields.payload)).flatMap(E2EEKeyPayload.init) else {
                    throw Failure(
                        re: id,
                        code: "invalid_message",
                        message: "\"payload\" must be base64url (no padding) of 1 to \(E2EEKeyPayload.maximumBytes) bytes."
                    )
                }
                request = .command(.sendE2EEKey(to: to, epoch: epoch, payload: payload))
            case "e2ee_ratchet": request = .command(.ratchetE2EE(try Self.epoch(fields.epoch, id: id)))
            case "subscribe": request = .subscribe
            case "subscribe_answer":
                guard let version = fields.version, version > 0 else {
                    throw Failure(re: id, code: "invalid_message", message: "\"version\" must be the number of the offer answered.")
                }
                request = .subscribeAnswer(version: version, sdp: try string("sdp", fields.sdp))
            default: return .failure(Failure(re: id, code: "unknown_type", message: "Unknown message type \"\(type.prefix(64))\"."))
            }
            return .success((id, request))
        } catch let failure as Failure {
            return .failure(failure)
        } catch {
            return .failure(Failure(re: id, code: "invalid_message", message: "The message could not be read."))
        }
    }

    /// An E2EE epoch: a positive whole number up to 2^53 (what JavaScript numbers hold exactly).
    private static func epoch(_ value: Int?, id: String) throws -> E2EEEpoch {
        guard let value, let epoch = E2EEEpoch(value) else {
            throw Failure(re: id, code: "invalid_message", message: "\"epoch\" must be a whole number from 1 to 2^53.")
        }
        return epoch
    }

    /// `chat` carries `text`, or in an E2EE meeting `e2ee: {epoch, nonce, ciphertext}`, never both.
    /// Which one the meeting takes is the state machine's rule.
    private static func chat(_ fields: Fields, id: String) throws -> MeetingRoom.Command {
        guard let encrypted = fields.e2ee else {
            guard let text = fields.text else { throw Failure(re: id, code: "invalid_message", message: "\"text\" must be a string.") }
            return .chat(text)
        }
        guard fields.text == nil else {
            throw Failure(re: id, code: "invalid_message", message: "A chat message has \"text\" or \"e2ee\", not both.")
        }
        let epoch = try Self.epoch(encrypted.epoch, id: id)
        guard let nonce = encrypted.nonce.flatMap(Base64URL.decode), let ciphertext = encrypted.ciphertext.flatMap(Base64URL.decode),
            let message = E2EEChatMessage(epoch: epoch, nonce: nonce, ciphertext: ciphertext)
        else {
            let bounds = E2EEChatMessage.ciphertextBytes
            throw Failure(
                re: id,
                code: "invalid_message",
                message:
                    "\"e2ee\" is {epoch, nonce, ciphertext}: nonce base64url of \(E2EEChatMessage.nonceBytes) bytes, ciphertext base64url of \(bounds.lowerBound) to \(bounds.upperBound) bytes."
            )
        }
        return .e2eeChat(message)
    }
}
