import Synchronization

/// The fencing token of each cluster resource this node runs (the create revision of its owner key in etcd), for
/// the commands actuators run on a resource's behalf: an exec hook sees it as `VIGIL_FENCING_TOKEN`, to present on
/// every write it makes, so that a store can refuse a stale owner's writes.
///
/// Set on the engine queue by cluster mode, read by actuators wherever they build a command's environment.
public final class FencingTokens: Sendable {
    private let tokens = Mutex<[String: Int64]>([:])

    public init() {}

    /// The token of `target`, nil when it is no cluster resource this node runs.
    public subscript(target: String) -> Int64? {
        tokens.withLock { $0[target] }
    }

    /// Sets (or with nil, removes) the token of `target`.
    public func set(_ token: Int64?, for target: String) {
        tokens.withLock { $0[target] = token }
    }
}
