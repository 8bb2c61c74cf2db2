import VigilCore

/// A configuration read from a file, validated, and resolved against this host: each process target's
/// executable found, its user and groups looked up.
public struct LoadedConfig: Sendable, Equatable {
    /// The file it came from, as given.
    public var file: String
    public var config: VigilConfig
    /// How to start each process target, by target name.
    public var launches: [String: LaunchSpec]
    /// Where heartbeats are received (the configured listeners, or the default one when targets need it).
    public var heartbeatEndpoints: [HeartbeatEndpoint]
    /// Each heartbeat target's HMAC key, read from its key file, by target name.
    public var heartbeatKeys: [String: [UInt8]]
    /// Who may use the control socket, with the configured groups resolved.
    public var controlAccess: ControlAccess

    public init(
        file: String,
        config: VigilConfig,
        launches: [String: LaunchSpec],
        heartbeatEndpoints: [HeartbeatEndpoint] = [],
        heartbeatKeys: [String: [UInt8]] = [:],
        controlAccess: ControlAccess = ControlAccess()
    ) {
        self.file = file
        self.config = config
        self.launches = launches
        self.heartbeatEndpoints = heartbeatEndpoints
        self.heartbeatKeys = heartbeatKeys
        self.controlAccess = controlAccess
    }
}
