/// A request on vigild's control socket (`docs/control-protocol.md`): one JSON object per line, answered by one
/// `ControlResponse` line. Versioned so that an older vigilctl gets a clear refusal instead of a misreading.
public struct ControlRequest: Codable, Sendable, Equatable {
    /// The protocol version the client speaks.
    public var version: Int
    public var command: ControlCommand
    /// The target a command is about (`restart`, `stop`, `start`, `reset-failed`, `maintenance`, `events`).
    public var target: String?
    /// `maintenance`: on or off.
    public var enabled: Bool?
    /// `events`: at most this many, newest last.
    public var limit: Int?
    /// `events`: keep the connection open and send each new event as it happens.
    public var follow: Bool?
    /// `report`: the window, in seconds back from now; the whole history when absent.
    public var sinceSeconds: Double?
    /// `failover`: the standby to promote (placement chooses when absent).
    public var standby: String?
    /// `cluster-drain`, `cluster-undrain`: the node; `cluster-move`: the node to move `target` to (the placer
    /// chooses when absent).
    public var node: String?

    public static let currentVersion = 1

    public init(
        command: ControlCommand,
        target: String? = nil,
        enabled: Bool? = nil,
        limit: Int? = nil,
        follow: Bool? = nil,
        sinceSeconds: Double? = nil,
        standby: String? = nil,
        node: String? = nil,
        version: Int = ControlRequest.currentVersion
    ) {
        self.version = version
        self.command = command
        self.target = target
        self.enabled = enabled
        self.limit = limit
        self.follow = follow
        self.sinceSeconds = sinceSeconds
        self.standby = standby
        self.node = node
    }
}

/// What a client can ask. Reading commands are open to the read-only group; the others need root or the admin
/// group.
public enum ControlCommand: String, Codable, Sendable, CaseIterable {
    case status
    case events
    case restart
    case stop
    case start
    case resetFailed = "reset-failed"
    case maintenance
    case reload
    case report
    case failover
    /// Cluster mode: drain a node, undrain it, move a resource (`vigilctl cluster …`).
    case clusterDrain = "cluster-drain"
    case clusterUndrain = "cluster-undrain"
    case clusterMove = "cluster-move"

    /// Whether the command changes anything.
    public var mutates: Bool {
        switch self {
        case .status, .events, .report: false
        default: true
        }
    }
}
