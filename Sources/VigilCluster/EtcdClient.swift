import EtcdAPI
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Synchronization

/// A client of an etcd v3 cluster (etcd 3.4's API over gRPC, HTTP/2 in plaintext or TLS) that fails over between
/// members, and authenticates as an etcd user when given one.
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
        /// Adds etcd's token to every call when the client authenticates; holds `grpc` until `close()`.
        let interceptor: EtcdTokenInterceptor?

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
    ///   - tls: TLS for every member (also implied by `https://` endpoints, then with the system's trust roots);
    ///     nil and `http://` endpoints: plaintext.
    ///   - credentials: an etcd user to authenticate as (etcd's `auth enable`); nil when etcd has no
    ///     authentication on.
    ///   - requestTimeout: how long one request may take on one member before the next is tried.
    /// - Throws: `EtcdError`: `invalidEndpoint` when `endpoints` is empty or mixes `http://` with `https://`,
    ///   `tlsConfiguration` when a TLS file cannot be used.
    public init(
        endpoints: [EtcdEndpoint],
        tls: EtcdTLS? = nil,
        credentials: EtcdCredentials? = nil,
        requestTimeout: Duration = .seconds(1)
    ) throws {
        guard !endpoints.isEmpty else {
            throw EtcdError(.invalidEndpoint, "no etcd endpoint given")
        }
        let security = try Self.transportSecurity(endpoints: endpoints, tls: tls)
        var config = Transport.Config.defaults
        // A member that went away is tried again soon; requests meanwhile go to the others.
        config.backoff = .init(initial: .milliseconds(100), max: .seconds(1), multiplier: 1.6, jitter: 0.2)
        let authenticator = credentials.map { EtcdAuthenticator(credentials: $0, timeout: requestTimeout) }
        var members: [Member] = []
        for endpoint in endpoints {
            let transport: Transport
            do {
                transport = try Transport(target: Self.target(endpoint), transportSecurity: security, config: config)
            } catch {
                let code: EtcdError.Code = tls == nil ? .invalidEndpoint : .tlsConfiguration
                throw EtcdError(code, "etcd endpoint \(endpoint): \(Self.reason(error))")
            }
            if let authenticator {
                let interceptor = EtcdTokenInterceptor(authenticator: authenticator)
                let grpc = GRPCClient(transport: transport, interceptors: [interceptor])
                interceptor.member.withLock { $0 = grpc }
                members.append(Member(endpoint: endpoint, grpc: grpc, interceptor: interceptor))
            } else {
                members.append(Member(endpoint: endpoint, grpc: GRPCClient(transport: transport), interceptor: nil))
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
            // The interceptor holds its member's client for Authenticate calls: let both go.
            member.interceptor?.member.withLock { $0 = nil }
        }
        for task in connectionTasks {
            task.cancel()
            await task.value
        }
    }

    /// How many tokens etcd issued to this client: 0 without credentials, 1 after the first call, one more each
    /// time etcd had forgotten the token.
    var authentications: Int {
        members.first?.interceptor?.authenticator.authentications ?? 0
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
                let result: Result
                do {
                    result = try await body(member)
                } catch let error as RPCError
                    where member.interceptor != nil && EtcdTokenInterceptor.isStaleToken(error)
                {
                    // etcd had forgotten the token and the interceptor has authenticated again: once more, here.
                    result = try await body(member)
                }
                preferred.withLock { $0 = index }
                return result
            } catch let error where Self.triesNextMember(error) {
                failures.append("\(member.endpoint): \(Self.reason(error))")
            } catch let error as RPCError where error.code == .unauthenticated || error.code == .permissionDenied {
                throw EtcdError(
                    .authenticationFailed,
                    "etcd \(operation) on \(member.endpoint): \(Self.reason(error))"
                )
            } catch {
                throw EtcdError(.rejected, "etcd \(operation) on \(member.endpoint): \(Self.reason(error))")
            }
        }
        throw EtcdError(.unavailable, "etcd \(operation): no member answered (\(failures.joined(separator: "; ")))")
    }

    /// What went wrong, for a person: the gRPC code and message, and the cause beneath (a TLS handshake's
    /// "certificate verify failed", a refused connection) when there is one.
    static func reason(_ error: any Error) -> String {
        if let error = error as? RPCError {
            let cause = error.cause.map { ": \(reason($0))" } ?? ""
            return "\(error.code): \(error.message)\(cause)"
        }
        return "\(error)"
    }
}
