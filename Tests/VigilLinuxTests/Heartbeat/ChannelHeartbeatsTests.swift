import Crypto
import Testing
import VigilCore
import VigilLinux

/// A guest's channel takes its own target's authentic, fresh heartbeats and nothing else.
@Suite struct ChannelHeartbeatsTests {
    static let key: [UInt8] = Array(0..<32)

    static func packet(_ target: String, sequence: UInt64, key: [UInt8] = key) -> [UInt8] {
        HeartbeatCodec.encode(
            HeartbeatPacket(target: target, incarnation: 7, sequence: sequence, senderTime: 0),
            key: SymmetricKey(data: key)
        )
    }

    @Test func acceptsItsTargetsHeartbeatsAndDropsOthersForgeriesReplaysAndJunk() {
        var channel = ChannelHeartbeats(target: "g1", key: Self.key)
        #expect((try? channel.accept(Self.packet("g1", sequence: 1)).get())?.sequence == 1)
        // Another target's packet, even signed with the right key, is not this channel's to carry.
        #expect(channel.accept(Self.packet("web", sequence: 2)) == .failure(.wrongChannel))
        #expect(
            channel.accept(Self.packet("g1", sequence: 2, key: Array(repeating: 9, count: 32))) == .failure(.badMAC)
        )
        #expect(channel.accept(Self.packet("g1", sequence: 1)) == .failure(.replay))
        #expect(channel.accept(nil) == .failure(.malformed))
        #expect(channel.accept([1, 2, 3]) == .failure(.truncated))
        // A reverted guest repeats its counters: after restart() they count again.
        channel.restart()
        #expect((try? channel.accept(Self.packet("g1", sequence: 1)).get())?.sequence == 1)
    }
}
