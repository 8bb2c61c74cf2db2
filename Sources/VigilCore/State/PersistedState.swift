/// Everything vigild keeps across its own restarts, as written to `/var/lib/vigil/state.json` by `StateStore`.
///
/// Monotonic instants are not kept (they do not survive a reboot); whatever needs a time is restarted from the
/// moment vigild resumes. A process is recognised again by its PID and its start time from `/proc/PID/stat`, so a
/// recycled PID is not mistaken for it.
public struct PersistedState: Sendable, Equatable, Codable {
    /// The format written by this build. A file of a later version is not read (it is set aside like a corrupt one).
    public static let currentVersion = 1

    public var version: Int
    /// Bumped on every save, so a reader (or a test) can tell two saves apart.
    public var generation: UInt64
    /// Host-wide maintenance: monitoring goes on, no recovery runs.
    public var hostMaintenance: Bool
    /// Per target, by name.
    public var targets: [String: PersistedTargetState]

    public init(generation: UInt64 = 0, hostMaintenance: Bool = false, targets: [String: PersistedTargetState] = [:]) {
        self.version = Self.currentVersion
        self.generation = generation
        self.hostMaintenance = hostMaintenance
        self.targets = targets
    }
}

/// What vigild keeps about one target.
public struct PersistedTargetState: Sendable, Equatable, Codable {
    /// How many recent events are kept per target.
    public static let eventLimit = 32

    public var role: TargetRole
    /// The process vigild supervises for it: PID and start time (clock ticks after boot, `/proc/PID/stat` field 22).
    public var pid: Int32?
    public var pidStartTime: UInt64?
    /// Restarts since vigild first started it, and consecutive restarts since the last stable run (the backoff step).
    public var restarts: Int
    public var restartAttempt: Int
    /// The restart state machine gave up on it (crash loop), or its ladder was exhausted.
    public var failed: Bool
    public var maintenance: Bool
    public var ladder: RecoveryLadderSnapshot?
    /// The failover under way or last done for the service this target is primary of.
    public var failover: FailoverProgress?
    /// Who is active among this target and its standbys, as last recorded.
    public var roles: FailoverRoles?
    public var placement: PlacementMemory?
    /// The newest events about the target, oldest first, at most `eventLimit`.
    public var recentEvents: [PersistedEvent]

    public init(
        role: TargetRole = .primary,
        pid: Int32? = nil,
        pidStartTime: UInt64? = nil,
        restarts: Int = 0,
        restartAttempt: Int = 0,
        failed: Bool = false,
        maintenance: Bool = false,
        ladder: RecoveryLadderSnapshot? = nil,
        failover: FailoverProgress? = nil,
        roles: FailoverRoles? = nil,
        placement: PlacementMemory? = nil,
        recentEvents: [PersistedEvent] = []
    ) {
        self.role = role
        self.pid = pid
        self.pidStartTime = pidStartTime
        self.restarts = restarts
        self.restartAttempt = restartAttempt
        self.failed = failed
        self.maintenance = maintenance
        self.ladder = ladder
        self.failover = failover
        self.roles = roles
        self.placement = placement
        self.recentEvents = recentEvents
    }

    /// Keeps `event`, dropping the oldest beyond `eventLimit`.
    /// - Parameters:
    ///   - event: the event to keep.
    ///   - wallClockMicroseconds: when it happened, in microseconds since the epoch (the caller reads the clock).
    public mutating func record(_ event: Event, wallClockMicroseconds: Int64) {
        recentEvents.append(PersistedEvent(event, wallClockMicroseconds: wallClockMicroseconds))
        if recentEvents.count > Self.eventLimit {
            recentEvents.removeFirst(recentEvents.count - Self.eventLimit)
        }
    }
}

/// Whether a target serves or waits to take over.
public enum TargetRole: String, Sendable, Equatable, Codable, CaseIterable {
    case primary
    case standby
}

/// An event as kept in the state file: its kind by name, so a file stays readable when kinds are added.
public struct PersistedEvent: Sendable, Equatable, Codable {
    public var kind: String
    public var message: String
    public var fields: [String: String]
    /// Microseconds since the epoch.
    public var wallClockMicroseconds: Int64

    public init(kind: String, message: String, fields: [String: String], wallClockMicroseconds: Int64) {
        self.kind = kind
        self.message = message
        self.fields = fields
        self.wallClockMicroseconds = wallClockMicroseconds
    }

    public init(_ event: Event, wallClockMicroseconds: Int64) {
        self.init(
            kind: event.kind.rawValue,
            message: event.message,
            fields: event.fields,
            wallClockMicroseconds: wallClockMicroseconds
        )
    }
}
