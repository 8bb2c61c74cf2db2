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
    /// What does not stop the file loading but may not work as written on this host now: a watched cgroup or
    /// machine that does not exist (yet), a PID file's directory that is missing. `--check-config` prints them as
    /// `file:line: key: warning: message` and still exits 0; vigild logs them when it loads the file.
    public var warnings: [ConfigProblem]

    public init(
        file: String,
        config: VigilConfig,
        launches: [String: LaunchSpec],
        heartbeatEndpoints: [HeartbeatEndpoint] = [],
        heartbeatKeys: [String: [UInt8]] = [:],
        controlAccess: ControlAccess = ControlAccess(),
        warnings: [ConfigProblem] = []
    ) {
        self.file = file
        self.config = config
        self.launches = launches
        self.heartbeatEndpoints = heartbeatEndpoints
        self.heartbeatKeys = heartbeatKeys
        self.controlAccess = controlAccess
        self.warnings = warnings
    }

    /// One line per warning: `file:line: key: warning: message`.
    public var warningLines: [String] {
        warnings.map { $0.line(in: file, warning: true) }
    }
}
