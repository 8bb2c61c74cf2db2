import EtcdAPI
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Synchronization

/// A client of an etcd v3 cluster (etcd 3.4's API over gRPC, plaintext HTTP/2) that fails over between members.
///
/// Every request goes to the member that answered last; when it cannot be reached, stops answering within
/// `requestTimeout`, or has no leader, the request is sent to the next member in the list, and that member is used
/// from then on. Reads are linearizable (etcd's default), so a member cut off from the quorum cannot answer them.
///
/// A request that timed out may still have been applied: a guarded put retried on the next member can then be
/// refused by its own earlier write. Callers that claim ownership read the owner key back when refused
/// (clientv3's `mutex.go` does the same).
///
/// The API is async and `Sendable`; vigild's engine will bridge it into its events at the edge.
public final class EtcdClient: Sendable {
    typealias Transport = HTTP2ClientTransport.Posix

    /// One member: its own gRPC client (one HTTP/2 connection, re-established with a short backoff).
    struct Member: Sendable {
        let endpoint: EtcdEndpoint
        let grpc: GRPCClient<Transport>

        var kv: Etcdserverpb_KV.Client<Transport> { .init(wrapping: grpc) }
        var lease: Etcdserverpb_Lease.Client<Transport> { .init(wrapping: grpc) }
        var watch: Etcdserverpb_Watch.Client<Transport> { .init(wrapping: grpc) }
        var maintenance: Etcdserverpb_Maintenance.Client<Transport> { .init(wrapping: grpc) }
    }

    public let endpoints: [EtcdEndpoint]
    /// How long one request may take on one member before the next is tried.
    public let requestTimeout: Duration
    let members: [Member]
    private let preferred = Mutex(0)
    private let connectionTasks: [Task<Void, Never>]

    /// Connects lazily to every endpoint (nothing is sent before the first request).
    ///
    /// - Parameters:
    ///   - endpoints: the members' client addresses, in the order they are tried.
    ///   - requestTimeout: how long one request may take on one member before the next is tried.
    /// - Throws: `EtcdError` (`invalidEndpoint`) when `endpoints` is empty or a transport cannot be made.
    public init(endpoints: [EtcdEndpoint], requestTimeout: Duration = .seconds(1)) throws {
        guard !endpoints.isEmpty else {
            throw EtcdError(.invalidEndpoint, "no etcd endpoint given")
        }
        var config = Transport.Config.defaults
        // A member that went away is tried again soon; requests meanwhile go to the others.
        config.backoff = .init(initial: .milliseconds(100), max: .seconds(1), multiplier: 1.6, jitter: 0.2)
        var members: [Member] = []
        for endpoint in endpoints {
            do {
                let transport = try Transport(
                    target: .dns(host: endpoint.host, port: endpoint.port),
                    transportSecurity: .plaintext,
                    config: config
                )
                members.append(Member(endpoint: endpoint, grpc: GRPCClient(transport: transport)))
            } catch {
                throw EtcdError(.invalidEndpoint, "etcd endpoint \(endpoint): \(error)")
            }
        }
        self.endpoints = endpoints
        self.requestTimeout = requestTimeout
        self.members = members
        self.connectionTasks = members.map { member in
            Task { try? await member.grpc.runConnections() }
        }
    }

    /// Closes every connection. Watches and lease keepers on this client must have ended first.
    public func close() async {
        for member in members {
            member.grpc.beginGracefulShutdown()
        }
        for task in connectionTasks {
            task.cancel()
            await task.value
        }
    }

    /// The index of the member requests go to first.
    var preferredMember: Int {
        preferred.withLock { $0 }
    }

    /// Call options for one request on one member: a deadline, no waiting for a member that cannot be reached.
    func options(timeout: Duration? = nil) -> CallOptions {
        var options = CallOptions.defaults
        options.timeout = timeout ?? requestTimeout
        options.waitForReady = false
        return options
    }

    /// Call options for a stream (watch, keepalives): no deadline, no waiting for a member that cannot be reached.
    static var streamOptions: CallOptions {
        var options = CallOptions.defaults
        options.waitForReady = false
        return options
    }

    /// Whether a failed request may succeed on another member: it could not reach this one, timed out there, or the
    /// member has no leader ("etcdserver: no leader", "leader changed", which etcd reports as unavailable).
    static func triesNextMember(_ error: any Error) -> Bool {
        guard let error = error as? RPCError else {
            return false
        }
        switch error.code {
        case .unavailable, .deadlineExceeded, .unknown, .internalError:
            return true
        default:
            return false
        }
    }

    /// Runs `body` on the preferred member, then on each other member in turn while the failure is one another
    /// member may not have.
    ///
    /// - Throws: `EtcdError` `unavailable` when no member answered, `rejected` when etcd refused the request.
    func onAnyMember<Result: Sendable>(
        _ operation: String,
        _ body: (Member) async throws -> Result
    ) async throws -> Result {
        let first = preferredMember
        var failures: [String] = []
        for offset in 0..<members.count {
            let index = (first + offset) % members.count
            let member = members[index]
            do {
                let result = try await body(member)
                preferred.withLock { $0 = index }
                return result
            } catch let error where Self.triesNextMember(error) {
                failures.append("\(member.endpoint): \(Self.reason(error))")
            } catch {
                throw EtcdError(.rejected, "etcd \(operation) on \(member.endpoint): \(Self.reason(error))")
            }
        }
        throw EtcdError(.unavailable, "etcd \(operation): no member answered (\(failures.joined(separator: "; ")))")
    }

    static func reason(_ error: any Error) -> String {
        if let error = error as? RPCError {
            return "\(error.code): \(error.message)"
        }
        return "\(error)"
    }
}
