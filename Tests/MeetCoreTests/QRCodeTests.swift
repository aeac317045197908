import Crypto
import Foundation
import Testing

@testable import MeetCore

/// QR codes checked module for module against an independent encoder (python-qrcode 8, byte mode,
/// level M, each mask forced): the SHA-256 of the module matrix, read row by row as "1"/"0". The
/// version 1 code was also read back by zxing-cpp.
@Suite struct QRCodeTests {
    static let vectors: [(String, Int, Int, String)] = [
        ("HELLO WORLD", 1, 0, "a28227450c6dd5abe58c1f8e24f23525b03a7d253d28c58bd135b14117f197a2"),
        ("HELLO WORLD", 1, 1, "2f8e0c144835374bfd9b5437622ce7b23fafbe12e3d0fa22cd9aae4213f63476"),
        ("HELLO WORLD", 1, 2, "f71a0b8f8bb1ae90e7f201ede8baa2a0c2cc5e30172581cf33d7e5d329918bbe"),
        ("HELLO WORLD", 1, 3, "da030348c4f3821c6d2429f59b748e89e2df099e0d627ed38a5ddb9d15b994bf"),
        ("HELLO WORLD", 1, 4, "f516d851861750f4deffb7514598d7058ab57a40b130409930189536174c89aa"),
        ("HELLO WORLD", 1, 5, "9bc316032d575772510ecf93fe0d178bbd6ab34cc14de4e21e22b6081066db79"),
        ("HELLO WORLD", 1, 6, "6ca096da216d25c1f3e62c7f271e14a09d3eab939b5302f170e9dfde59f31dff"),
        ("HELLO WORLD", 1, 7, "f0f4412395650e588f37ea39f23b6bfe57fcf305d8c6ca26dd1f1b6be24ef63e"),
        (
            "otpauth://totp/DigitalMeet:ada.lovelace@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=DigitalMeet&digits=6", 7, 0,
            "4701031dec890e18285b9cb169c2e5dd294e07aad3abf5eebbdb776ec2acf387"
        ),
        (
            "otpauth://totp/DigitalMeet:ada.lovelace@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=DigitalMeet&digits=6", 7, 1,
            "2ddc64c9d5af67f8ae653906b831cc6f04a69f07e2b6b7c9d29148c147bbbcbd"
        ),
        (
            "otpauth://totp/DigitalMeet:ada.lovelace@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=DigitalMeet&digits=6", 7, 2,
            "e7dc940a5db9b272a7bd4e68ad7b9cd2936c3093643ccb440031f7ebd6820340"
        ),
        (
            "otpauth://totp/DigitalMeet:ada.lovelace@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=DigitalMeet&digits=6", 7, 3,
            "e04c078640fff0f9772eb083e57203a80560813c31977a3a592cf8ac9047f9a0"
        ),
        (
            "otpauth://totp/DigitalMeet:ada.lovelace@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=DigitalMeet&digits=6", 7, 4,
            "152debeff412078221436e283d01561c4ca6bc0f5b95e9dad337ae3708732087"
        ),
        (
            "otpauth://totp/DigitalMeet:ada.lovelace@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=DigitalMeet&digits=6", 7, 5,
            "a0226e51a2159dc3f9fa2d14e95177796bc737ddf3bf245bb0de92a53ccda613"
        ),
        (
            "otpauth://totp/DigitalMeet:ada.lovelace@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=DigitalMeet&digits=6", 7, 6,
            "18b6df7ba92e062b7eb6164e078020e8b4c89a14edbf9a9868dc2bbb6e3b6b05"
        ),
        (
            "otpauth://totp/DigitalMeet:ada.lovelace@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=DigitalMeet&digits=6", 7, 7,
            "38212e8be81e63f6d385df0197f3e5470c781c1bc881c1da1193d44c86dce4a7"
        ),
        (
            "https://meet.example.org/j/" + String(repeating: "a1b2c3d4e5f6", count: 11), 9, 0,
            "aea0b9142e3ee0ce7437ac81636fd5872820cc978cb063201a8d8e0f2da334d9"
        ),
        (
            "https://meet.example.org/j/" + String(repeating: "a1b2c3d4e5f6", count: 11), 9, 1,
            "b1e9d6e886e4c428479260a31d46c3c7eac028a79bc6728613692cf25a8f5637"
        ),
        (
            "https://meet.example.org/j/" + String(repeating: "a1b2c3d4e5f6", count: 11), 9, 2,
            "0eaa7f16096a06e79afdd929d8e1ec465360b5ca19574678faf6d2aadf9f1409"
        ),
        (
            "https://meet.example.org/j/" + String(repeating: "a1b2c3d4e5f6", count: 11), 9, 3,
            "6838947073431637fb6bdc0915984850bb19834af5758ee852eabe5c2121dd84"
        ),
        (
            "https://meet.example.org/j/" + String(repeating: "a1b2c3d4e5f6", count: 11), 9, 4,
            "76a6ae303c58f368a9b051b92e5ac8786a13a5ce2e5fdb7c1ea66fb72073bd05"
        ),
        (
            "https://meet.example.org/j/" + String(repeating: "a1b2c3d4e5f6", count: 11), 9, 5,
            "f384bcd91b00cff96ab19fae911c5e7fbbf2df2ff280ed57ae99d5154beca87f"
        ),
        (
            "https://meet.example.org/j/" + String(repeating: "a1b2c3d4e5f6", count: 11), 9, 6,
            "2d3964daf5e7f520a0bc08f898052398366c43c897a365fb61ea69a60c7ed517"
        ),
        (
            "https://meet.example.org/j/" + String(repeating: "a1b2c3d4e5f6", count: 11), 9, 7,
            "977abb47b2e45155944ee650d1d9cd32b9ff9f92d0929578b599e802d0725bf2"
        ),
        (String(repeating: "x", count: 200), 10, 0, "750d745db4aee09b5c9b697460b281158c0082a31e53c4f09d5f822ae023e10f"),
        (String(repeating: "x", count: 200), 10, 1, "9ff2474eb4806262b05e70f56debe923020385d72d92eece9279c843edfb7372"),
        (String(repeating: "x", count: 200), 10, 2, "c8294f9a437b1546845ed5dde9c2fef56432bd243e9267501998ce08c0151b59"),
        (String(repeating: "x", count: 200), 10, 3, "1bf4d13e40b47c5fe1496e3d0d0937a1707798ff6e1342214ede6fe0a653f4fc"),
        (String(repeating: "x", count: 200), 10, 4, "fdce0323024df96375a5d06158ca4d25bb8940cc73ad933345371b30a54b680b"),
        (String(repeating: "x", count: 200), 10, 5, "87c3d49925e758349c466e678f52ee47f0c32a035ddddb78a93408f0895d34be"),
        (String(repeating: "x", count: 200), 10, 6, "b719f9e8d1b0dd894bbf6bb0231299737908d2ef5e6b024a9626f9a081530778"),
        (String(repeating: "x", count: 200), 10, 7, "342f8ed98624303981f3e349725470014fd398d4414c2de619240d375891c407"),
    ]

    static func digest(_ code: QRCode) -> String {
        let bits = code.modules.map { row in row.map { $0 ? "1" : "0" }.joined() }.joined()
        return SHA256.hash(data: Data(bits.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    @Test(arguments: 0..<vectors.count)
    func matchesAnIndependentEncoder(index: Int) throws {
        let (text, version, mask, expected) = Self.vectors[index]
        let code = try QRCode(encoding: text, forcedMask: mask)
        #expect(code.version == version)
        #expect(code.size == 17 + 4 * version)
        #expect(Self.digest(code) == expected, "version \(version), mask \(mask)")
    }

    @Test func choosesTheSmallestVersionAndAMask() throws {
        let code = try QRCode(encoding: "HELLO WORLD")
        #expect(code.version == 1)
        #expect((0..<8).contains(code.mask))
        #expect(Self.digest(code) == Self.vectors[code.mask].3)
    }

    @Test func refusesTextBeyondVersion10() {
        #expect(throws: MeetError.self) { try QRCode(encoding: String(repeating: "x", count: 214)) }
    }

    @Test func svgHasNoScriptAndCarriesItsLabel() throws {
        let svg = try QRCode(encoding: "HELLO WORLD").svg(label: "Scan <me> & \"enrol\"")
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.contains("aria-label=\"Scan &lt;me> &amp; &quot;enrol&quot;\""))
        #expect(!svg.contains("<script"))
        #expect(svg.contains("viewBox=\"0 0 116 116\""))
    }
}
