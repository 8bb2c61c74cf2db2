import Testing
import VigilCore

@Suite struct HeartbeatFrameTests {
    let packet = HeartbeatPacket(target: "web", incarnation: 7, sequence: 42, senderTime: 99)

    /// A framed packet with a MAC of zeros: framing does not look at the MAC.
    func framed(_ packet: HeartbeatPacket) -> [UInt8] {
        HeartbeatFrame.body(packet) + [UInt8](repeating: 0, count: HeartbeatFrame.macSize)
    }

    @Test func bodyPutsEveryFieldBigEndianAtItsDocumentedOffset() {
        let body = HeartbeatFrame.body(packet)
        #expect(body.count == 35)
        #expect(Array(body[0..<8]) == [0x56, 0x47, 0x48, 0x42, 1, 0, 0, 3])
        #expect(Array(body[8..<16]) == [0, 0, 0, 0, 0, 0, 0, 7])
        #expect(Array(body[16..<24]) == [0, 0, 0, 0, 0, 0, 0, 42])
        #expect(Array(body[24..<32]) == [0, 0, 0, 0, 0, 0, 0, 99])
        #expect(Array(body[32...]) == Array("web".utf8))
    }

    @Test func parseReturnsTheFieldsAndTheRangesOfSignedBytesAndMAC() throws {
        let frame = try HeartbeatFrame.parse(framed(packet)).get()
        #expect(frame.packet == packet)
        #expect(frame.signedRange == 0..<35)
        #expect(frame.macRange == 35..<67)
    }

    @Test func packetSizesRangeFrom65To128Bytes() throws {
        #expect(HeartbeatFrame.minimumSize == 65)
        #expect(HeartbeatFrame.maximumSize == 128)
        let longest = HeartbeatPacket(
            target: String(repeating: "x", count: 64),
            incarnation: 1,
            sequence: 1,
            senderTime: 1
        )
        #expect(framed(longest).count == 128)
        #expect(try HeartbeatFrame.parse(framed(longest)).get().packet == longest)
    }

    @Test func everyPrefixOfAValidPacketIsTruncated() {
        let bytes = framed(packet)
        for length in 0..<bytes.count {
            #expect(HeartbeatFrame.parse(Array(bytes[..<length])) == .failure(.truncated), "length \(length)")
        }
    }

    @Test func trailingBytesAfterTheMACAreOversized() {
        #expect(HeartbeatFrame.parse(framed(packet) + [0]) == .failure(.oversized))
    }

    @Test func anythingOver128BytesIsOversizedWhateverItHolds() {
        #expect(HeartbeatFrame.parse([UInt8](repeating: 0, count: 129)) == .failure(.oversized))
    }

    @Test func wrongMagicVersionOrFlagsIsMalformed() {
        for (offset, value) in [(0, UInt8(ascii: "X")), (3, 0), (4, 2), (4, 0), (5, 1), (5, 0x80)] {
            var bytes = framed(packet)
            bytes[offset] = value
            #expect(HeartbeatFrame.parse(bytes) == .failure(.malformed), "byte \(offset) = \(value)")
        }
    }

    @Test func nameLengthOutsideOneTo64IsMalformed() {
        for length in [0, 65, 0xFFFF] {
            var bytes = framed(packet)
            bytes[6] = UInt8(length >> 8)
            bytes[7] = UInt8(length & 0xFF)
            #expect(HeartbeatFrame.parse(bytes) == .failure(.malformed), "name length \(length)")
        }
    }

    @Test func nameThatIsNotUTF8IsMalformed() {
        var bytes = framed(packet)
        bytes[32] = 0xFF
        #expect(HeartbeatFrame.parse(bytes) == .failure(.malformed))
    }

    @Test func targetNamesOf1To64BytesAreValid() {
        #expect(!HeartbeatFrame.isValidTarget(""))
        #expect(HeartbeatFrame.isValidTarget("w"))
        #expect(HeartbeatFrame.isValidTarget(String(repeating: "é", count: 32)))
        #expect(!HeartbeatFrame.isValidTarget(String(repeating: "é", count: 33)))
    }
}
