import Crypto
import Testing
import VigilCore
import VigilLinux

/// The test vector of `docs/heartbeat-protocol.md`, and one test per way `decode` drops a datagram.
@Suite struct HeartbeatCodecTests {
    static var vectorKey: SymmetricKey { SymmetricKey(data: Array(0..<32) as [UInt8]) }
    static let vectorPacket = HeartbeatPacket(
        target: "web",
        incarnation: 1_700_000_000_000_000_000,
        sequence: 42,
        senderTime: 1_700_000_000_123_456_789
    )
    static let vectorHex =
        "564748420100000317979cfe362a0000000000000000002a17979cfe3d85cd15776562"
        + "696a161e709bc9c7bfae425236f322e5940139fea0c0890fb5499a2b52af80a6"

    static func bytes(hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        return stride(from: 0, to: digits.count, by: 2).map {
            UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)!
        }
    }

    func keys(_ name: String) -> SymmetricKey? {
        name == "web" ? Self.vectorKey : nil
    }

    @Test func documentedTestVectorEncodesToTheDocumentedBytes() {
        #expect(HeartbeatCodec.encode(Self.vectorPacket, key: Self.vectorKey) == Self.bytes(hex: Self.vectorHex))
    }

    @Test func documentedTestVectorDecodesToItsFields() {
        #expect(HeartbeatCodec.decode(Self.bytes(hex: Self.vectorHex), key: keys) == .success(Self.vectorPacket))
    }

    @Test func encodedPacketsDecodeToThemselves() {
        let key = SymmetricKey(size: .bits256)
        for name in ["a", "web", "db-primary", String(repeating: "ü", count: 32)] {
            let packet = HeartbeatPacket(target: name, incarnation: .max, sequence: 0, senderTime: 12_345)
            let decoded = HeartbeatCodec.decode(HeartbeatCodec.encode(packet, key: key)) { _ in key }
            #expect(decoded == .success(packet))
        }
    }

    @Test func packetCutShortAtAnyLengthIsTruncated() {
        let bytes = Self.bytes(hex: Self.vectorHex)
        for length in 0..<bytes.count {
            #expect(HeartbeatCodec.decode(Array(bytes[..<length]), key: keys) == .failure(.truncated), "\(length)")
        }
    }

    @Test func packetWithTrailingBytesIsOversized() {
        let bytes = Self.bytes(hex: Self.vectorHex)
        #expect(HeartbeatCodec.decode(bytes + [0], key: keys) == .failure(.oversized))
        #expect(HeartbeatCodec.decode(bytes + [UInt8](repeating: 0, count: 100), key: keys) == .failure(.oversized))
    }

    @Test func wrongMagicVersionOrFlagsIsMalformed() {
        for offset in 0..<6 {
            var bytes = Self.bytes(hex: Self.vectorHex)
            bytes[offset] ^= 0x01
            #expect(HeartbeatCodec.decode(bytes, key: keys) == .failure(.malformed), "byte \(offset)")
        }
    }

    @Test func targetWithoutAKeyIsUnknownTarget() {
        let packet = HeartbeatPacket(target: "db", incarnation: 1, sequence: 1, senderTime: 1)
        let bytes = HeartbeatCodec.encode(packet, key: Self.vectorKey)
        #expect(HeartbeatCodec.decode(bytes, key: keys) == .failure(.unknownTarget))
    }

    @Test func packetSignedWithAnotherKeyIsBadMAC() {
        let bytes = HeartbeatCodec.encode(Self.vectorPacket, key: SymmetricKey(size: .bits256))
        #expect(HeartbeatCodec.decode(bytes, key: keys) == .failure(.badMAC))
    }

    @Test func anySingleFlippedBitIsRejectedAndInFieldsOrMACAsBadMAC() {
        let original = Self.bytes(hex: Self.vectorHex)
        for bit in 0..<original.count * 8 {
            var bytes = original
            bytes[bit / 8] ^= 1 << (bit % 8)
            let result = HeartbeatCodec.decode(bytes, key: keys)
            #expect(throws: HeartbeatDropReason.self) { try result.get() }
            let offset = bit / 8
            // Counters and MAC: only the MAC can catch these. (Header bits fail framing; name bits may.)
            if (8..<32).contains(offset) || offset >= 35 {
                #expect(result == .failure(.badMAC), "bit \(bit)")
            }
        }
    }

    @Test func replayedAuthenticPacketDecodesButTheReplayWindowRejectsIt() throws {
        let bytes = Self.bytes(hex: Self.vectorHex)
        var window = ReplayWindow()
        let first = try HeartbeatCodec.decode(bytes, key: keys).get()
        let firstAccepted = window.accept(incarnation: first.incarnation, sequence: first.sequence)
        let again = try HeartbeatCodec.decode(bytes, key: keys).get()
        let againAccepted = window.accept(incarnation: again.incarnation, sequence: again.sequence)
        #expect(firstAccepted)
        #expect(!againAccepted)
    }
}
