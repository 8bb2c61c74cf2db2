import Crypto
import Testing
import VigilCore
import VigilLinux

/// Random and mutated datagrams through `decode`: it must never crash, and must accept only what a key holder
/// could have sent.
@Suite struct HeartbeatCodecPropertyTests {
    static let iterations = 1_000_000

    @Test func randomAndMutatedDatagramsAreNeverAcceptedWithoutAValidMAC() {
        let key = SymmetricKey(data: Array(0..<32) as [UInt8])
        let lookup: (String) -> SymmetricKey? = { $0 == "web" || $0 == "db" ? key : nil }
        let valid = HeartbeatCodec.encode(
            HeartbeatPacket(target: "web", incarnation: 3, sequence: 9, senderTime: 27),
            key: key
        )
        var random = SplitMix64(seed: 0x5EED)
        var accepted = 0
        var reasons: [HeartbeatDropReason: Int] = [:]
        for iteration in 0..<Self.iterations {
            let bytes =
                iteration % 2 == 0
                ? Self.randomBytes(&random, headerLike: iteration % 4 == 0) : Self.mutate(valid, &random)
            switch HeartbeatCodec.decode(bytes, key: lookup) {
            case .success(let packet):
                accepted += 1
                // Accepted means authentic: the key holder's encoding of those fields is exactly these bytes.
                #expect(HeartbeatCodec.encode(packet, key: key) == bytes)
            case .failure(let reason):
                reasons[reason, default: 0] += 1
            }
        }
        // Some mutations undo themselves (a bit flipped twice), so a few acceptances are authentic packets.
        #expect(accepted < Self.iterations / 100)
        // Every reason decode can give was reached, so the generator exercised every check.
        for reason in [HeartbeatDropReason.truncated, .oversized, .malformed, .unknownTarget, .badMAC] {
            #expect(reasons[reason, default: 0] > 0, "\(reason) never produced")
        }
    }

    /// 0 to 200 random bytes; with `headerLike`, a valid magic, version and flags and a name length of 1...64, so
    /// more of them get past the first checks.
    static func randomBytes(_ random: inout SplitMix64, headerLike: Bool) -> [UInt8] {
        let count = Int(random.next() % 201)
        var bytes = [UInt8](repeating: 0, count: count)
        var index = 0
        while index < count {
            var word = random.next()
            for _ in 0..<8 where index < count {
                bytes[index] = UInt8(truncatingIfNeeded: word)
                word >>= 8
                index += 1
            }
        }
        if headerLike, count >= 8 {
            bytes.replaceSubrange(0..<6, with: HeartbeatFrame.magic + [1, 0])
            bytes[6] = 0
            bytes[7] = UInt8(1 + random.next() % 64)
        }
        return bytes
    }

    /// `packet` with one to four edits: bit flips, byte overwrites, cuts, insertions and appended bytes.
    static func mutate(_ packet: [UInt8], _ random: inout SplitMix64) -> [UInt8] {
        var bytes = packet
        for _ in 0...(random.next() % 4) {
            let position = bytes.isEmpty ? 0 : Int(random.next() % UInt64(bytes.count))
            let byte = UInt8(truncatingIfNeeded: random.next())
            switch random.next() % 5 {
            case 0 where !bytes.isEmpty: bytes[position] ^= 1 << (byte % 8)
            case 1 where !bytes.isEmpty: bytes[position] = byte
            case 2: bytes.removeLast(Int(random.next() % UInt64(bytes.count + 1)))
            case 3: bytes.insert(byte, at: position)
            default: bytes.append(byte)
            }
        }
        return bytes
    }
}
