/// One `[[target]]` entry: something `vigild` is responsible for keeping healthy.
public struct TargetConfig: Sendable, Equatable {
    /// Unique name; used in events (`VIGIL_TARGET`), `vigilctl` and as the journal identifier of the target's output.
    public var name: String
    public var kind: TargetKind
    /// The program and its arguments, run without a shell. `exec[0]` is an absolute path or a name looked up in
    /// `PATH` when the configuration is loaded. For `cgroup` and `vm` targets this is the `start` command, which
    /// brings the target back when it is found dead; empty when there is none (watched only, never restarted).
    public var exec: [String]
    /// The cgroup a `cgroup` target watches, as `/proc/PID/cgroup` names it (`/system.slice/db.service`).
    public var cgroup: String?
    /// The libvirt domain or systemd-nspawn machine a `vm` target watches; its scope is found under
    /// `machine.slice`.
    public var machine: String?
    /// The systemd unit of a `service` target (`nginx.service`).
    public var unit: String?
    /// Health checks on the target's figures.
    public var checks: [HealthCheck]
    /// How long a cgroup or vm target's `start` command may take, from its launch, to populate the cgroup.
    public var startTimeout: Duration
    /// The recovery ladder, standbys and resources (`docs/recovery.md`); `nil` when the target writes none of
    /// those keys, and its restart policy alone brings it back.
    public var recovery: RecoveryConfig?
    /// The actuator that starts, stops and signals a process target; `nil` for the built-in `process` actuator,
    /// which spawns `exec` itself.
    public var actuator: ActuatorChoice?
    /// The PID file the target's daemon writes. A target started by another actuator is found through it (and
    /// watched by that PID); before any start, a PID file naming a process that is gone is removed.
    public var pidFile: String?
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
    /// The libvirt domain a `vm` target is driven and watched through (`domain = "web"`); `nil` for a vm watched
    /// through its `machine` scope alone, and for other kinds.
    public var domain: DomainConfig?
    /// How a running instance changes role in a hot-standby group (`promote`, `promote_signal`, `demote`).
    public var roles: RoleChange
    /// A cluster resource (`cluster = true`): it runs on exactly one node of the cluster, the one that owns it in
    /// etcd, and moves to another node when that one is lost (`docs/cluster.md`).
    public var cluster: Bool
    /// How the cluster's placer places it (`placement`, `weights`, `reserve_memory`, `reserve_cpu`,
    /// `anti_affinity`); only for a cluster resource.
    public var clusterPlacement = ClusterPlacementRule()
    /// What an `address` target adds to its interface; `nil` for other kinds.
    public var address: AddressConfig?
    /// The target an `address` target goes with (`follows = "web"`): the address is added only while that target
    /// runs healthy on this node, and removed before it stops; `nil` when it stands alone.
    public var follows: String?

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
        notifySocket: Bool = false,
        cgroup: String? = nil,
        machine: String? = nil,
        unit: String? = nil,
        checks: [HealthCheck] = [],
        startTimeout: Duration = .seconds(30),
        recovery: RecoveryConfig? = nil,
        actuator: ActuatorChoice? = nil,
        pidFile: String? = nil,
        domain: DomainConfig? = nil,
        roles: RoleChange = RoleChange(),
        cluster: Bool = false,
        address: AddressConfig? = nil,
        follows: String? = nil
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
        self.cgroup = cgroup
        self.machine = machine
        self.unit = unit
        self.checks = checks
        self.startTimeout = startTimeout
        self.recovery = recovery
        self.actuator = actuator
        self.pidFile = pidFile
        self.domain = domain
        self.roles = roles
        self.cluster = cluster
        self.address = address
        self.follows = follows
    }

    /// Whether vigild spawns the target's process itself (the built-in `process` actuator).
    public var spawnsProcess: Bool {
        kind == .process && (actuator?.isProcess ?? true)
    }

    /// Whether a running instance of the target can be promoted (hot standby): by its `promote` command or
    /// `promote_signal`, or by its actuator (a libvirt domain's `resume`).
    public var promotesItself: Bool {
        roles.promote != nil || domain != nil
    }

    /// Whether the target can be a member of a hot-standby group: its instance must learn its role when it starts,
    /// which a program vigild spawns does (`VIGIL_ROLE` in its environment), a systemd unit does (`VIGIL_ROLE` from
    /// the runtime drop-in vigild writes before starting it) and a libvirt domain does by being kept paused; a
    /// daemon started by hooks or found by its PID file cannot.
    public var canStandHot: Bool {
        spawnsProcess || domain != nil || (kind == .service && unit != nil)
    }

    /// The configuration key that holds `exec`: `start` for cgroup and vm targets.
    public var execKey: String {
        kind == .process ? "exec" : "start"
    }
}

/// What sort of thing a target is.
public enum TargetKind: String, Sendable, Equatable, Codable, CaseIterable {
    /// A program `vigild` spawns and supervises itself.
    case process
    /// Any cgroup: alive while it has processes; dead when it empties or its main process is OOM-killed.
    case cgroup
    /// A libvirt/QEMU guest or a systemd-nspawn machine, found by name under `machine.slice`; also dead when its
    /// main process is stuck in uninterruptible sleep (state D) for too long.
    case vm
    /// A systemd unit, driven over D-Bus (StartUnit, StopUnit, KillUnit) and watched through its `ActiveState`.
    case service
    /// A floating service address: added to an interface through rtnetlink, announced (gratuitous ARP, unsolicited
    /// neighbour advertisement), removed on stop; alive while the address is on the interface.
    case address
}
