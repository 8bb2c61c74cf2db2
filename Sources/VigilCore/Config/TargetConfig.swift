/// One `[[target]]` entry: something `vigild` is responsible for keeping healthy.
public struct TargetConfig: Sendable, Equatable {
    /// Unique name; used in events (`VIGIL_TARGET`), `vigilctl` and as the journal identifier of the target's output.
    public var name: String
    public var kind: TargetKind
    /// The program and its arguments, run without a shell. `exec[0]` is an absolute path or a name looked up in
    /// `PATH` when the configuration is loaded.
    public var exec: [String]
    /// Variables added to (or replacing those in) the environment the target inherits from `vigild`.
    public var env: [String: String]
    /// Working directory; `vigild`'s own when absent.
    public var cwd: String?
    /// User to run as (name or numeric id); `vigild`'s own when absent.
    public var user: String?
    /// Group to run as (name or numeric id); the user's primary group when only `user` is given.
    public var group: String?
    /// Signal sent to the target's process group to stop it.
    public var stopSignal: Signal
    /// How long a stopping target may take before its process group is sent `SIGKILL`.
    public var stopTimeout: Duration
    public var restart: RestartConfig
    /// Heartbeats the target sends, and how silence is judged; `nil` when it sends none.
    public var heartbeat: HeartbeatConfig?
    /// Give the target a `NOTIFY_SOCKET` of its own and accept the sd_notify protocol on it (`READY=1`,
    /// `WATCHDOG=1`, `STATUS=`, `WATCHDOG_USEC=`), so programs written for systemd's watchdog run unchanged.
    public var notifySocket: Bool

    public init(
        name: String,
        kind: TargetKind = .process,
        exec: [String],
        env: [String: String] = [:],
        cwd: String? = nil,
        user: String? = nil,
        group: String? = nil,
        stopSignal: Signal = .term,
        stopTimeout: Duration = .seconds(10),
        restart: RestartConfig = RestartConfig(),
        heartbeat: HeartbeatConfig? = nil,
        notifySocket: Bool = false
    ) {
        self.name = name
        self.kind = kind
        self.exec = exec
        self.env = env
        self.cwd = cwd
        self.user = user
        self.group = group
        self.stopSignal = stopSignal
        self.stopTimeout = stopTimeout
        self.restart = restart
        self.heartbeat = heartbeat
        self.notifySocket = notifySocket
    }
}

/// What sort of thing a target is. Later kinds (cgroup, service, vm) come with their own issues.
public enum TargetKind: String, Sendable, Equatable, CaseIterable {
    /// A program `vigild` spawns and supervises itself.
    case process
}
