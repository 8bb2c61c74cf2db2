import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Captures the address announcements on one interface of a network namespace with an AF_PACKET socket (a small
/// python3 program run with `ip netns exec`; no tcpdump here): every ARP packet and every ICMPv6 neighbour
/// advertisement, one line each in a file, with the CLOCK_MONOTONIC instant it arrived. `stop()` (and deinit) kills
/// the capturer by its PID and removes the file.
public final class LinkCapture: @unchecked Sendable {
    /// One captured packet.
    public struct Packet: Sendable, Equatable {
        /// `arp` or `na`.
        public var kind: String
        /// ARP operation (1 request, 2 reply); for a neighbour advertisement its flags byte (0x20 override).
        public var operation: Int
        /// The sender's hardware address (ARP), the target link-layer address option (NA).
        public var hardwareAddress: String
        /// ARP: sender protocol address; NA: target address.
        public var address: String
        /// ARP: target protocol address; NA: the IPv6 source address.
        public var other: String
        public var nanoseconds: Int64
    }

    static let script = """
        import socket, struct, sys, time, ipaddress
        iface, path = sys.argv[1], sys.argv[2]
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
        s.bind((iface, 0))
        out = open(path, "a", buffering=1)
        out.write("ready\\n")
        def mac(b): return ":".join("%02x" % x for x in b)
        while True:
            frame = s.recv(2048)
            now = time.monotonic_ns()
            ethertype = struct.unpack("!H", frame[12:14])[0]
            if ethertype == 0x0806 and len(frame) >= 42:
                op = struct.unpack("!H", frame[20:22])[0]
                out.write("arp %d %s %s %s %d\\n" % (op, mac(frame[22:28]), socket.inet_ntoa(frame[28:32]),
                    socket.inet_ntoa(frame[38:42]), now))
            elif ethertype == 0x86dd and len(frame) >= 78 and frame[20] == 58 and frame[54] == 136:
                source = ipaddress.IPv6Address(frame[22:38])
                target = ipaddress.IPv6Address(frame[62:78])
                lla = mac(frame[80:86]) if len(frame) >= 86 and frame[78] == 2 else "-"
                out.write("na %d %s %s %s %d\\n" % (frame[58], lla, target, source, now))
        """

    public let path: String
    private let process: Process
    private let scriptPath: String
    private var stopped = false

    /// Starts capturing on `interface` inside `namespace` and waits until the socket is bound.
    /// - Throws: when python3 cannot be started or does not get ready within 10 s.
    public init(namespace: String, interface: String) async throws {
        let directory = try VigildProcess.makeDirectory()
        path = directory + "/capture"
        scriptPath = directory + "/capture.py"
        try Self.script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        process.arguments = ["netns", "exec", namespace, "/usr/bin/python3", scriptPath, interface, path]
        try process.run()
        let deadline = ContinuousClock.now + .seconds(10)
        while !((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").hasPrefix("ready") {
            guard ContinuousClock.now < deadline, process.isRunning else {
                stop()
                throw NetworkNamespaceError(command: "capture on \(interface) in \(namespace)", output: "not ready")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    deinit {
        stop()
    }

    /// Everything captured so far.
    public var packets: [Packet] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ").map(String.init)
            guard parts.count == 6, let operation = Int(parts[1]), let at = Int64(parts[5]) else { return nil }
            return Packet(
                kind: parts[0],
                operation: operation,
                hardwareAddress: parts[2],
                address: parts[3],
                other: parts[4],
                nanoseconds: at
            )
        }
    }

    /// Kills the capturer (by its PID) and removes its files; safe to call twice.
    public func stop() {
        guard !stopped else { return }
        stopped = true
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path)
    }
}

/// Two network namespaces joined by a veth pair (`va` in the first, `vb` in the second), each with an IPv4
/// (10.213.S.1 and .2 /24) and an IPv6 address (fd00:213:S::1 and ::2 /64): a host whose floating address a test
/// moves, and a neighbour that sees it. `remove()` (and deinit) deletes both namespaces, also when the test fails.
public final class LinkedNamespaces: @unchecked Sendable {
    public let first: String
    public let second: String
    public let subnet: Int
    private var removed = false

    public init() throws {
        let tag = String(UInt32.random(in: 0...0xFF_FFFF), radix: 16)
        first = "vigil-addr-\(tag)-a"
        second = "vigil-addr-\(tag)-b"
        subnet = Int.random(in: 0...255)
        do {
            try Self.ip(["netns", "add", first])
            try Self.ip(["netns", "add", second])
            try Self.ip(["-n", first, "link", "add", "va", "type", "veth", "peer", "name", "vb", "netns", second])
            for (namespace, link, host) in [(first, "va", 1), (second, "vb", 2)] {
                try Self.ip(["-n", namespace, "link", "set", "lo", "up"])
                try Self.ip(["-n", namespace, "addr", "add", "10.213.\(subnet).\(host)/24", "dev", link])
                try Self.ip(["-n", namespace, "addr", "add", "fd00:213:\(subnet)::\(host)/64", "dev", link, "nodad"])
                try Self.ip(["-n", namespace, "link", "set", link, "up"])
            }
        } catch {
            remove()
            throw error
        }
    }

    deinit {
        remove()
    }

    /// `argv` run inside `namespace`.
    public func exec(_ namespace: String, _ argv: [String]) -> [String] {
        ["/usr/sbin/ip", "netns", "exec", namespace] + argv
    }

    /// The addresses on `link` in `namespace`, as `ip -o addr` lists them (`10.213.5.1/24`).
    public func addresses(_ namespace: String, link: String) throws -> [String] {
        let result = try ProcessProbe.run("/usr/sbin/ip", ["-n", namespace, "-o", "addr", "show", "dev", link])
        return result.out.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let index = parts.firstIndex(where: { $0 == "inet" || $0 == "inet6" }), index + 1 < parts.count
            else { return nil }
            return String(parts[index + 1])
        }
    }

    /// The hardware address of `link` in `namespace`.
    public func mac(_ namespace: String, link: String) throws -> String {
        let result = try ProcessProbe.run("/usr/sbin/ip", ["-n", namespace, "-o", "link", "show", "dev", link])
        let parts = result.out.split(separator: " ")
        guard let index = parts.firstIndex(of: "link/ether"), index + 1 < parts.count else {
            throw NetworkNamespaceError(command: "ip link show \(link)", output: result.out + result.err)
        }
        return String(parts[index + 1])
    }

    /// Runs `ip ARGUMENTS` and throws when it fails.
    public static func ip(_ arguments: [String]) throws {
        let result = try ProcessProbe.run("/usr/sbin/ip", arguments)
        guard result.status == 0 else {
            throw NetworkNamespaceError(command: "ip " + arguments.joined(separator: " "), output: result.err)
        }
    }

    public func remove() {
        guard !removed else { return }
        removed = true
        try? Self.ip(["netns", "del", first])
        try? Self.ip(["netns", "del", second])
    }
}
