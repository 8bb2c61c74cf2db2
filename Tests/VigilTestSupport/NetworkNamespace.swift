import Foundation

/// A network namespace joined to this one by a veth pair: a test host with its own address. Created with
/// `ip netns` and removed by `remove()` (or deinit), also when the test fails.
public final class NetworkNamespace: @unchecked Sendable {
    public let name: String
    public let hostInterface: String
    /// This side's address on the link.
    public let hostAddress: String
    /// The namespace's address on the link.
    public let peerAddress: String
    private var removed = false

    /// Creates the namespace `vigil-<random>` with a /30 link from a random subnet of 10.211.0.0/16.
    /// - Throws: when `ip` fails; what was created so far is removed.
    public init() throws {
        let tag = String(UInt32.random(in: 0...0xFF_FFFF), radix: 16)
        name = "vigil-\(tag)"
        hostInterface = "vh\(tag)"
        let peer = "vp\(tag)"
        let subnet = Int.random(in: 0...16_383) * 4
        hostAddress = "10.211.\(subnet / 256).\(subnet % 256 + 1)"
        peerAddress = "10.211.\(subnet / 256).\(subnet % 256 + 2)"
        do {
            try Self.ip(["netns", "add", name])
            try Self.ip(["link", "add", hostInterface, "type", "veth", "peer", "name", peer])
            try Self.ip(["link", "set", peer, "netns", name])
            try Self.ip(["addr", "add", hostAddress + "/30", "dev", hostInterface])
            try Self.ip(["link", "set", hostInterface, "up"])
            try Self.ip(["-n", name, "addr", "add", peerAddress + "/30", "dev", peer])
            try Self.ip(["-n", name, "link", "set", peer, "up"])
            try Self.ip(["-n", name, "link", "set", "lo", "up"])
        } catch {
            remove()
            throw error
        }
    }

    deinit {
        remove()
    }

    /// Deletes the veth pair and the namespace; safe to call twice.
    public func remove() {
        guard !removed else { return }
        removed = true
        try? Self.ip(["link", "del", hostInterface])
        try? Self.ip(["netns", "del", name])
    }

    /// `argv` run inside the namespace (`ip netns exec`), for a target's `exec`.
    public func exec(_ argv: [String]) -> [String] {
        ["/usr/sbin/ip", "netns", "exec", name] + argv
    }

    private static func ip(_ arguments: [String]) throws {
        let result = try ProcessProbe.run("/usr/sbin/ip", arguments)
        guard result.status == 0 else {
            throw NetworkNamespaceError(command: "ip " + arguments.joined(separator: " "), output: result.err)
        }
    }
}

public struct NetworkNamespaceError: Error, CustomStringConvertible {
    public var command: String
    public var output: String
    public var description: String { "\(command): \(output)" }
}
