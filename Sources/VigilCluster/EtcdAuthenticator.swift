import EtcdAPI
import GRPCCore
import Synchronization

/// etcd's authentication for one client: the token every call carries, and a new one when etcd no longer knows it.
///
/// etcd 3.4's default ("simple") tokens are assigned on every member through raft and forgotten by a member after
/// `--auth-token-ttl` (5 minutes) without a call carrying them, or when it restarts. So a token can go stale on a
/// member the client had not used for a while; etcd then answers "invalid auth token" and the client authenticates
/// again (clientv3 does the same).
final class EtcdAuthenticator: Sendable {
    let credentials: EtcdCredentials
    /// How long one Authenticate may take (etcd checks the password with bcrypt, which takes tens of milliseconds).
    let timeout: Duration
    private let token = Mutex<String?>(nil)
    /// Authenticate calls that etcd answered with a token.
    private let count = Mutex(0)

    init(credentials: EtcdCredentials, timeout: Duration) {
        self.credentials = credentials
        self.timeout = timeout
    }

    /// How many tokens etcd issued to this client (1 after the first call; more after stale tokens).
    var authentications: Int {
        count.withLock { $0 }
    }

    /// The token calls carry now, nil before the first authentication.
    var currentToken: String? {
        token.withLock { $0 }
    }

    /// Authenticates on `member` unless another call already replaced `stale` with a newer token.
    ///
    /// - Returns: the token to use.
    /// - Throws: `RPCError`: `unauthenticated` with the user's name when etcd refused the name or password (or
    ///   authentication is not enabled), otherwise the error of the Authenticate call (`unavailable` lets the
    ///   caller try the next member).
    func token(replacing stale: String?, on member: GRPCClient<EtcdClient.Transport>) async throws -> String {
        if let current = currentToken, current != stale {
            return current
        }
        let request = Etcdserverpb_AuthenticateRequest.with {
            $0.name = credentials.username
            $0.password = credentials.password
        }
        var options = CallOptions.defaults
        options.timeout = timeout
        options.waitForReady = false
        let response: Etcdserverpb_AuthenticateResponse
        do {
            response = try await Etcdserverpb_Auth.Client(wrapping: member).authenticate(request, options: options)
        } catch let error as RPCError where error.code == .invalidArgument || error.code == .failedPrecondition {
            // "authentication failed, invalid user ID or password", "authentication is not enabled".
            throw RPCError(
                code: .unauthenticated,
                message: "etcd refused to authenticate user '\(credentials.username)': \(error.message)"
            )
        }
        token.withLock { $0 = response.token }
        count.withLock { $0 += 1 }
        return response.token
    }
}

/// Adds etcd's token to every call of one member's gRPC client, and authenticates again when etcd answers that it
/// no longer knows the token, so that the caller's next attempt carries a fresh one.
///
/// The call itself is not repeated here (an RPC's stream is opened once, before interceptors run): `EtcdClient`
/// repeats a request once on the same member when it failed for a stale token; streams (Watch, LeaseKeepAlive) end
/// and are opened again by their owners.
final class EtcdTokenInterceptor: ClientInterceptor {
    let authenticator: EtcdAuthenticator
    /// The member's gRPC client, which carries its Authenticate calls; set once the client exists.
    let member: Mutex<GRPCClient<EtcdClient.Transport>?>

    init(authenticator: EtcdAuthenticator) {
        self.authenticator = authenticator
        self.member = Mutex(nil)
    }

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingClientRequest<Input>,
        context: ClientContext,
        next: (StreamingClientRequest<Input>, ClientContext) async throws -> StreamingClientResponse<Output>
    ) async throws -> StreamingClientResponse<Output> {
        guard context.descriptor != Etcdserverpb_Auth.Method.Authenticate.descriptor,
            let member = self.member.withLock({ $0 })
        else {
            return try await next(request, context)
        }
        var request = request
        let token = try await authenticator.token(replacing: nil, on: member)
        request.metadata.replaceOrAddString(token, forKey: "token")
        let response = try await next(request, context)
        if case .failure(let error) = response.accepted, Self.isStaleToken(error) {
            _ = try await authenticator.token(replacing: token, on: member)
        }
        return response
    }

    /// etcd's answers to a token it does not know (any more): "invalid auth token", and "revision of auth store is
    /// old" (users or roles changed since the token was issued).
    static func isStaleToken(_ error: RPCError) -> Bool {
        error.message.contains("invalid auth token") || error.message.contains("auth store is old")
    }
}
