/// A whole, validated configuration: what `vigild` runs on.
///
/// Built by `ConfigParser` from the text of a TOML file; everything here has passed validation that needs no I/O.
/// Checks that need the file system or the user database (executables, users, groups) are done by the loader in
/// `VigilLinux`.
public struct VigilConfig: Sendable, Equatable {
    public var daemon: DaemonConfig
    /// Targets in the order the file lists them; names are unique.
    public var targets: [TargetConfig]
    /// The `[host]` table.
    public var host: HostConfig
    /// The `[cluster]` table; `nil` for a vigild on its own, which starts no cluster machinery.
    public var cluster: ClusterConfig?

    public init(
        daemon: DaemonConfig = DaemonConfig(),
        targets: [TargetConfig] = [],
        host: HostConfig = HostConfig(),
        cluster: ClusterConfig? = nil
    ) {
        self.daemon = daemon
        self.targets = targets
        self.host = host
        self.cluster = cluster
    }

    /// The cluster resources (`cluster = true`), in configuration order.
    public var clusterResources: [TargetConfig] {
        targets.filter(\.cluster)
    }

    /// The target called `name`, if there is one.
    public func target(named name: String) -> TargetConfig? {
        targets.first { $0.name == name }
    }
}

/// The `[daemon]` table.
public struct DaemonConfig: Sendable, Equatable {
    /// Least severe level that is logged.
    public var logLevel: LogLevel
    /// Where log entries and events go.
    public var logTarget: LogTarget
    /// Where vigild keeps its sockets (targets' notify sockets, the default heartbeat socket).
    public var runtimeDirectory: String
    /// Heartbeat listeners: `udp://HOST:PORT`, `udp://[V6]:PORT`, `unix:/path`. When empty and a target has a
    /// `heartbeat.key_file`, vigild listens on `unix:<runtime_dir>/heartbeat.sock`.
    public var heartbeatListen: [String]
    /// The control socket; `<runtime_dir>/control.sock` when absent.
    public var controlSocket: String?
    /// Members of this group may use every control command (root always may).
    public var controlAdminGroup: String?
    /// Members of this group may read (`status`, `events`) and nothing else.
    public var controlReadGroup: String?
    /// Serve Prometheus metrics over HTTP here (`127.0.0.1:9701`, `[::1]:9701`); off when absent.
    public var metricsListen: String?
    /// Write Prometheus metrics to this file for node_exporter's textfile collector; off when absent.
    public var metricsTextfile: String?
    /// Where per-target state (roles, counters, ladders, failovers under way) survives vigild's restarts.
    public var stateDirectory: String
    /// The D-Bus address of the bus that `service` targets' systemd answers on; the system bus when absent.
    public var systemdBus: String?
    /// Where vigild writes the runtime drop-ins that give hot-standby units their role (`VIGIL_ROLE`): the runtime
    /// unit directory of the systemd on `systemdBus`, as vigild sees it.
    public var systemdDropInDirectory: String
    /// How often health figures that the kernel cannot push (usage, pressure averages, host counters) are read.
    public var tick: Duration
    /// How many targets' recovery ladders may act at once, host-wide; the others wait in `priority` order.
    public var concurrentRecoveries: Int

    public init(
        logLevel: LogLevel = .info,
        logTarget: LogTarget = .auto,
        runtimeDirectory: String = "/run/vigil",
        heartbeatListen: [String] = [],
        controlSocket: String? = nil,
        controlAdminGroup: String? = nil,
        controlReadGroup: String? = nil,
        metricsListen: String? = nil,
        metricsTextfile: String? = nil,
        tick: Duration = .seconds(1),
        stateDirectory: String = "/var/lib/vigil",
        systemdBus: String? = nil,
        systemdDropInDirectory: String = "/run/systemd/system",
        concurrentRecoveries: Int = 4
    ) {
        self.logLevel = logLevel
        self.logTarget = logTarget
        self.runtimeDirectory = runtimeDirectory
        self.heartbeatListen = heartbeatListen
        self.controlSocket = controlSocket
        self.controlAdminGroup = controlAdminGroup
        self.controlReadGroup = controlReadGroup
        self.metricsListen = metricsListen
        self.metricsTextfile = metricsTextfile
        self.tick = tick
        self.stateDirectory = stateDirectory
        self.systemdBus = systemdBus
        self.systemdDropInDirectory = systemdDropInDirectory
        self.concurrentRecoveries = concurrentRecoveries
    }

    /// The control socket in force.
    public var effectiveControlSocket: String {
        controlSocket ?? runtimeDirectory + "/control.sock"
    }

    /// The listeners in force: the configured ones, or the default unix socket when targets need one.
    public func effectiveHeartbeatListen(targets: [TargetConfig]) -> [String] {
        if !heartbeatListen.isEmpty || !targets.contains(where: { $0.heartbeat?.keyFile != nil }) {
            return heartbeatListen
        }
        return ["unix:" + runtimeDirectory + "/heartbeat.sock"]
    }
}

/// Log levels as the configuration names them; they map one to one onto syslog priorities.
public enum LogLevel: String, Sendable, Equatable, CaseIterable {
    case debug
    case info
    case notice
    case warning
    case error
}

/// Where `vigild` writes its log: the native journal protocol, or one line per entry on standard error.
public enum LogTarget: String, Sendable, Equatable, CaseIterable {
    /// The journal when its socket answers, standard error otherwise.
    case auto
    case journal
    case stderr
}
