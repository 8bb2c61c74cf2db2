import Foundation

/// Network namespaces for etcd members: one per member, each joined by a veth pair to a bridge in a fourth (hub)
/// namespace, which this namespace also joins, so the test process reaches every member by its address and a
/// member can be cut off from its peers with nftables drop rules inside its own namespace (this kernel has no
/// `sch_netem`).
///
/// Addresses are 10.212.S.1 for this side and 10.212.S.(11 + index) for the members, S random. Created with `ip`;
/// `remove()` (or deinit) deletes the namespaces and this side's veth, also when the test fails.
public final class EtcdNetwork: @unchecked Sendable {
    public let tag: String
    public let hub: String
    public let namespaces: [String]
    public let addresses: [String]
    private let subnet: Int
    private var removed = false

    /// Creates the hub and `size` member namespaces.
    ///
    /// - Throws: `NetworkNamespaceError` when `ip` fails; what was created so far is removed.
    public init(size: Int) throws {
        let tag = String(UInt32.random(in: 0...0xFF_FFFF), radix: 16)
        self.tag = tag
        hub = "vigil-etcd-\(tag)-hub"
        namespaces = (0..<size).map { "vigil-etcd-\(tag)-m\($0)" }
        let subnet = Int.random(in: 0...255)
        self.subnet = subnet
        addresses = (0..<size).map { "10.212.\(subnet).\($0 + 11)" }
        do {
            try Self.ip(["netns", "add", hub])
            try Self.ip(["-n", hub, "link", "add", "br0", "type", "bridge"])
            try Self.ip(["-n", hub, "link", "set", "br0", "up"])
            try join(namespace: nil, link: "ve\(tag)h", address: "10.212.\(subnet).1")
            for (index, namespace) in namespaces.enumerated() {
                try Self.ip(["netns", "add", namespace])
                try Self.ip(["-n", namespace, "link", "set", "lo", "up"])
                try join(namespace: namespace, link: "ve\(tag)m\(index)", address: addresses[index])
            }
        } catch {
            remove()
            throw error
        }
    }

    deinit {
        remove()
    }

    /// A veth pair from `namespace` (nil: this one) to the hub's bridge, its near end named `link`.
    private func join(namespace: String?, link: String, address: String) throws {
        let far = link + "b"
        try Self.ip(["link", "add", link, "type", "veth", "peer", "name", far])
        try Self.ip(["link", "set", far, "netns", hub])
        try Self.ip(["-n", hub, "link", "set", far, "master", "br0"])
        try Self.ip(["-n", hub, "link", "set", far, "up"])
        if let namespace {
            try Self.ip(["link", "set", link, "netns", namespace])
        }
        let prefix = namespace.map { ["-n", $0] } ?? []
        try Self.ip(prefix + ["addr", "add", address + "/24", "dev", link])
        try Self.ip(prefix + ["link", "set", link, "up"])
    }

    /// `argv` run inside member `index`'s namespace.
    public func exec(_ index: Int, _ argv: [String]) -> [String] {
        ["/usr/sbin/ip", "netns", "exec", namespaces[index]] + argv
    }

    /// The launcher that starts a program (a vigild node) in member `index`'s namespace, beside its member.
    public func launcher(_ index: Int) -> [String] {
        ["/usr/bin/nsenter", "--net=/run/netns/" + namespaces[index], "--"]
    }

    /// Drops every packet between member `index` and the other members, both ways, inside its namespace; the test
    /// process still reaches it (a node cut off together with its etcd member).
    public func cut(_ index: Int) throws {
        let peers = addresses.indices.filter { $0 != index }.map { addresses[$0] }.joined(separator: ", ")
        let rules = """
            table inet vigil_cut {
                chain input { type filter hook input priority 0; ip saddr { \(peers) } drop; }
                chain output { type filter hook output priority 0; ip daddr { \(peers) } drop; }
            }
            """
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-cut-\(tag).nft").path
        try rules.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        try Self.run(exec(index, ["/usr/sbin/nft", "-f", file]))
    }

    /// Removes `cut(index)`'s rules.
    public func heal(_ index: Int) throws {
        try Self.run(exec(index, ["/usr/sbin/nft", "delete", "table", "inet", "vigil_cut"]))
    }

    /// Deletes the member namespaces, the hub and this side's veth; safe to call twice. Members must have been
    /// stopped first.
    public func remove() {
        guard !removed else {
            return
        }
        removed = true
        try? Self.ip(["link", "del", "ve\(tag)h"])
        for namespace in namespaces + [hub] {
            try? Self.ip(["netns", "del", namespace])
        }
    }

    private static func ip(_ arguments: [String]) throws {
        try run(["/usr/sbin/ip"] + arguments)
    }

    private static func run(_ argv: [String]) throws {
        let result = try ProcessProbe.run(argv[0], Array(argv.dropFirst()))
        guard result.status == 0 else {
            throw NetworkNamespaceError(command: argv.joined(separator: " "), output: result.err)
        }
    }
}
