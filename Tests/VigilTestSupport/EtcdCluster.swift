import CLinux
import Foundation
import VigilCluster
import VigilCore
import VigilLinux

#if canImport(Glibc)
import Glibc
#endif

/// A real three-member etcd cluster (Debian's `etcd-server`, etcd 3.4) for one test, on loopback or in network
/// namespaces of its own.
///
/// On loopback each member listens on free ports of 127.0.0.1; in namespaces (`EtcdNetwork`) each member has its
/// own namespace and address, listens on 2379 and 2380 there, and can be cut off from its peers. Each keeps its
/// data and log in a temporary directory. `stop()` (and deinit) kills only the members this value started, through
/// their pidfds, removes the directory and the namespaces, whatever the test did to them (a SIGSTOPped member is
/// killed too).
public final class EtcdCluster: @unchecked Sendable {
    public static let program = "/usr/bin/etcd"

    public struct Member: Sendable {
        public var name: String
        public var client: EtcdEndpoint
        public var peerPort: Int
        public var process: SpawnedProcess
    }

    public let directory: String
    /// The members' namespaces, when they run in namespaces.
    public let network: EtcdNetwork?
    /// The certificates of a cluster started with TLS (https client URLs, client certificates required).
    public private(set) var certificates: EtcdCertificates?
    /// The root user's credentials once `enableAuthentication(rootPassword:)` turned etcd's authentication on;
    /// this value's own clients (health, leader) use them.
    public private(set) var credentials: EtcdCredentials?
    public private(set) var members: [Member] = []
    private var ended: Set<Int> = []
    private var stopped = false

    /// The client endpoints of every member, in member order.
    public var endpoints: [EtcdEndpoint] { members.map(\.client) }

    /// Starts `size` members (default election timeout 1 s, heartbeat 100 ms); `waitUntilHealthy()` waits for a
    /// leader.
    ///
    /// - Parameters:
    ///   - inNamespaces: each member in a network namespace of its own (`network`), instead of loopback.
    ///   - tls: serve clients over TLS only (`https://`), with certificates made for this cluster (`certificates`),
    ///     and require a client certificate signed by its CA (`--client-cert-auth`).
    ///   - arguments: more arguments for every member (`--auth-token-ttl 2`).
    /// - Throws: `EtcdClusterError` when ports, the directory, the certificates or a process cannot be had,
    ///   `NetworkNamespaceError` when the namespaces cannot be made.
    public init(size: Int = 3, inNamespaces: Bool = false, tls: Bool = false, arguments extra: [String] = []) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-etcd-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        do {
            network = inNamespaces ? try EtcdNetwork(size: size) : nil
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        do {
            let hosts = network?.addresses ?? Array(repeating: "127.0.0.1", count: size)
            // Loopback: free ports of 127.0.0.1; namespaces: etcd's own ports, each member on its own address.
            let ports =
                network == nil
                ? try Self.freePorts(2 * size) : Array(repeating: [2379, 2380], count: size).flatMap { $0 }
            let names = (1...size).map { "m\($0)" }
            let cluster = names.enumerated().map { "\($1)=http://\(hosts[$0]):\(ports[2 * $0 + 1])" }
                .joined(separator: ",")
            let token = "vigil-test-\(UUID())"
            var scheme = "http"
            var security: [String] = []
            if tls {
                try FileManager.default.createDirectory(atPath: directory + "/tls", withIntermediateDirectories: true)
                let certificates = try EtcdCertificates(in: directory + "/tls", addresses: hosts)
                self.certificates = certificates
                scheme = "https"
                security = [
                    "--cert-file", certificates.serverCertFile, "--key-file", certificates.serverKeyFile,
                    "--client-cert-auth", "--trusted-ca-file", certificates.caFile,
                ]
            }
            for (index, name) in names.enumerated() {
                let host = hosts[index]
                let clientPort = ports[2 * index]
                let peerPort = ports[2 * index + 1]
                let arguments =
                    [
                        "--name", name, "--data-dir", "\(directory)/\(name).etcd",
                        "--listen-client-urls", "\(scheme)://\(host):\(clientPort)",
                        "--advertise-client-urls", "\(scheme)://\(host):\(clientPort)",
                        "--listen-peer-urls", "http://\(host):\(peerPort)",
                        "--initial-advertise-peer-urls", "http://\(host):\(peerPort)",
                        "--initial-cluster", cluster, "--initial-cluster-token", token,
                        "--initial-cluster-state", "new",
                        // A member cut off and back must not depose a working leader with the terms it ran up alone.
                        "--pre-vote",
                    ] + security + extra
                let argv = network?.exec(index, [Self.program] + arguments) ?? [Self.program] + arguments
                let process = try start(name: name, argv: argv)
                members.append(
                    Member(
                        name: name,
                        client: EtcdEndpoint(host: host, port: clientPort, https: tls),
                        peerPort: peerPort,
                        process: process
                    )
                )
            }
        } catch {
            stop()
            throw error
        }
    }

    deinit {
        stop()
    }

    /// Starts `argv` (etcd, or `ip netns exec`, which becomes etcd in the same process).
    private func start(name: String, argv: [String]) throws -> SpawnedProcess {
        let log = open("\(directory)/\(name).log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard log >= 0 else {
            throw EtcdClusterError("cannot open \(directory)/\(name).log: errno \(errno)")
        }
        defer { close(log) }
        do {
            return try ProcessLauncher.spawn(
                LaunchSpec(
                    path: argv[0],
                    arguments: argv,
                    environment: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],
                    workingDirectory: directory
                ),
                stdout: log,
                stderr: log
            )
        } catch {
            throw EtcdClusterError("cannot start \(Self.program) for \(name): \(error)")
        }
    }

    /// Waits until every running member answers and all agree on one leader.
    ///
    /// Each look is `etcdctl endpoint status` run on a Dispatch thread: a process of its own with its own
    /// connections, so neither a client sitting in gRPC's reconnect backoff nor a cooperative pool crowded by the
    /// rest of the run (hundreds of tests start at once on its two threads here) makes a look late or lets it time
    /// out. A clean-clone run saw the members elect their leader at once while the gRPC-client look gave up 30 s
    /// later.
    ///
    /// - Throws: `EtcdClusterError` with the end of each member's log when that does not happen in `timeout`.
    public func waitUntilHealthy(timeout: Duration = .seconds(30)) async throws {
        let running = members.indices.filter { !ended.contains($0) }
        let argv =
            etcdctlArguments(running.map { members[$0].client }) + [
                "--dial-timeout=1s", "--command-timeout=2s", "endpoint", "status", "--write-out=json",
            ]
        let deadline = ContinuousClock.now + timeout
        var last = ""
        repeat {
            let result = try await Blocking.run { try ProcessProbe.run("/usr/bin/etcdctl", argv) }
            let statuses = (try? JSONDecoder().decode([EndpointStatus].self, from: Data(result.out.utf8))) ?? []
            let leaders = Set(statuses.map(\.status.leader))
            if statuses.count == running.count, leaders.count == 1, leaders.first != 0 {
                return
            }
            last = result.err.isEmpty ? result.out : result.err
            try await Task.sleep(for: .milliseconds(100))
        } while ContinuousClock.now < deadline
        throw EtcdClusterError("etcd did not become healthy within \(timeout): etcdctl: \(last)\n\(logTails())")
    }

    /// What `etcdctl endpoint status --write-out=json` prints for one endpoint (etcd's field names).
    private struct EndpointStatus: Decodable {
        struct Status: Decodable {
            var leader: UInt64
        }
        var status: Status

        enum CodingKeys: String, CodingKey {
            case status = "Status"
        }
    }

    /// `etcdctl`'s arguments for `endpoints` with this cluster's certificates and credentials, if it has them.
    private func etcdctlArguments(_ endpoints: [EtcdEndpoint]) -> [String] {
        var arguments = [
            "--endpoints", endpoints.map { "\($0.https ? "https" : "http")://\($0)" }.joined(separator: ","),
        ]
        if let certificates {
            arguments += ["--cacert", certificates.caFile, "--cert", certificates.clientCertFile]
            arguments += ["--key", certificates.clientKeyFile]
        }
        if let credentials {
            arguments += ["--user", "\(credentials.username):\(credentials.password)"]
        }
        return arguments
    }

    /// The index of the member that is the raft leader now, as the members that answer see it.
    ///
    /// - Throws: `EtcdClusterError` when no answering member knows a leader.
    public func leaderIndex() async throws -> Int {
        let client = try makeClient(endpoints, requestTimeout: .milliseconds(500))
        let statuses = await client.memberStatuses()
        await client.close()
        guard let leader = statuses.first(where: \.isLeader),
            let index = members.firstIndex(where: { $0.client == leader.endpoint })
        else {
            throw EtcdClusterError("no etcd member is leader: \(statuses)")
        }
        return index
    }

    /// Polls the running members every 20 ms until one other than `old` is leader.
    ///
    /// - Returns: when a new leader was first seen, or nil if none was within `timeout`.
    public func waitForNewLeader(replacing old: Int, within timeout: Duration) async throws -> MonotonicInstant? {
        let running = members.indices.filter { !ended.contains($0) && $0 != old }
        let client = try makeClient(running.map { members[$0].client }, requestTimeout: .milliseconds(200))
        defer { Task { await client.close() } }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let statuses = await client.memberStatuses()
            let leaders = Set(statuses.map(\.leaderID))
            if statuses.contains(where: \.isLeader), leaders.count == 1 {
                return MonotonicClock.now()
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// The `[cluster]` table of vigild node `index` on this cluster: named `n{index + 1}`, with the member of the
    /// same index first among its endpoints (a node talks to the member beside it, as on a real host), and a blank
    /// line after it.
    public func clusterTable(node index: Int, leaseTTL: String, prefix: String) -> String {
        let all = endpoints
        let list = ([index] + all.indices.filter { $0 != index }).map { "\"\(all[$0])\"" }.joined(separator: ", ")
        return """
            [cluster]
            endpoints = [\(list)]
            node = "n\(index + 1)"
            lease_ttl = "\(leaseTTL)"
            prefix = "\(prefix)"

            """
    }

    /// A key prefix of its own for one test's nodes, so no test reads another's keys.
    public static func testPrefix() -> String {
        "/vigil-test-\(UUID().uuidString.prefix(8))/"
    }

    /// A client of `endpoints` with this cluster's client certificate and credentials, if it has them.
    public func makeClient(_ endpoints: [EtcdEndpoint], requestTimeout: Duration = .seconds(1)) throws -> EtcdClient {
        try EtcdClient(
            endpoints: endpoints,
            tls: certificates?.clientTLS,
            credentials: credentials,
            requestTimeout: requestTimeout
        )
    }

    /// Turns etcd's authentication on with `etcdctl`: adds the user `root` with `rootPassword` and the root role,
    /// then `auth enable`. From then on, a request without a valid token is refused.
    ///
    /// - Throws: `EtcdClusterError` with etcdctl's message when a step fails.
    public func enableAuthentication(rootPassword: String) throws {
        let base = etcdctlArguments(endpoints)
        for command in [
            ["user", "add", "root:\(rootPassword)"], ["user", "grant-role", "root", "root"], ["auth", "enable"],
        ] {
            let result = try ProcessProbe.run("/usr/bin/etcdctl", base + command)
            guard result.status == 0 else {
                throw EtcdClusterError("etcdctl \(command.joined(separator: " ")): \(result.err)\(result.out)")
            }
        }
        credentials = EtcdCredentials(username: "root", password: rootPassword)
    }

    /// Sends `signal` to member `index` through its pidfd (SIGKILL, SIGSTOP, SIGCONT).
    public func signal(_ index: Int, _ signal: Int32) throws {
        let result = vigil_pidfd_send_signal(members[index].process.pidfd, signal)
        guard result == 0 else {
            throw EtcdClusterError("signal \(signal) to etcd \(members[index].name): errno \(-result)")
        }
    }

    /// Kills member `index` with SIGKILL and reaps it.
    public func kill(_ index: Int) throws {
        try signal(index, SIGKILL)
        var info = vigil_exit_info()
        _ = vigil_pidfd_reap(members[index].process.pidfd, 0, &info)
        ended.insert(index)
    }

    /// The last lines of each member's log, for a failure message.
    public func logTails(characters: Int = 1_500) -> String {
        members.map { member in
            let log = (try? String(contentsOfFile: "\(directory)/\(member.name).log", encoding: .utf8)) ?? ""
            return "\(member.name): …\(log.suffix(characters))"
        }.joined(separator: "\n")
    }

    /// Kills every member still running (continuing a stopped one first), reaps it, and removes the directory and
    /// the namespaces.
    public func stop() {
        guard !stopped else {
            return
        }
        stopped = true
        for (index, member) in members.enumerated() {
            if !ended.contains(index) {
                _ = vigil_pidfd_send_signal(member.process.pidfd, SIGKILL)
                _ = vigil_pidfd_send_signal(member.process.pidfd, SIGCONT)
                var info = vigil_exit_info()
                _ = vigil_pidfd_reap(member.process.pidfd, 0, &info)
            }
            close(member.process.pidfd)
        }
        network?.remove()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// `count` distinct TCP ports of 127.0.0.1 that were free a moment ago (bound to port 0, then released).
    static func freePorts(_ count: Int) throws -> [Int] {
        var sockets: [Int32] = []
        defer {
            for fd in sockets {
                close(fd)
            }
        }
        var ports: [Int] = []
        for _ in 0..<count {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else {
                throw EtcdClusterError("socket: errno \(errno)")
            }
            sockets.append(fd)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                    bind(fd, address, length) == 0 && getsockname(fd, address, &length) == 0
                }
            }
            guard bound else {
                throw EtcdClusterError("bind 127.0.0.1:0: errno \(errno)")
            }
            ports.append(Int(UInt16(bigEndian: address.sin_port)))
        }
        return ports
    }
}

/// A test's etcd cluster did not do what the test set up.
public struct EtcdClusterError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }

    public init(_ message: String) {
        self.message = message
    }
}
