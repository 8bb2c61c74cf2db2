/// vigild's answer to a `ControlRequest`: `ok` with a payload, or an error a person can act on.
public struct ControlResponse: Codable, Sendable, Equatable {
    public var version: Int
    public var ok: Bool
    /// When `ok` is false: what went wrong, e.g. `permission denied: uid 1000 is not in group vigil-admin`.
    public var error: String?
    /// `status`.
    public var status: DaemonStatus?
    /// `events` (and each streamed event with `follow`).
    public var events: [EventRecord]?
    /// A one-line account of what a changing command did, e.g. `restarting web`.
    public var message: String?
    /// `reload` refused: the configuration's problems as `file:line: key: message`.
    public var problems: [String]?
    /// `report`: per target, over the window.
    public var report: [TargetReliability]?
    /// `report`: the window actually covered, in seconds (the history may be shorter than asked).
    public var reportWindowSeconds: Double?

    public init(
        ok: Bool,
        error: String? = nil,
        status: DaemonStatus? = nil,
        events: [EventRecord]? = nil,
        message: String? = nil,
        problems: [String]? = nil,
        report: [TargetReliability]? = nil,
        reportWindowSeconds: Double? = nil,
        version: Int = ControlRequest.currentVersion
    ) {
        self.version = version
        self.ok = ok
        self.error = error
        self.status = status
        self.events = events
        self.message = message
        self.problems = problems
        self.report = report
        self.reportWindowSeconds = reportWindowSeconds
    }

    public static func failure(_ error: String, problems: [String]? = nil) -> ControlResponse {
        ControlResponse(ok: false, error: error, problems: problems)
    }
}

/// The daemon and every target, as `vigilctl status` shows them.
public struct DaemonStatus: Codable, Sendable, Equatable {
    public var version: String
    public var pid: Int32
    /// Seconds since vigild started.
    public var uptimeSeconds: Double
    /// The `STATUS=` line.
    public var summary: String
    public var configFile: String
    public var maintenance: Bool
    public var targets: [TargetStatus]
    /// The host's checks and pressure; absent from vigild versions before host checks.
    public var host: HostStatus?
    /// Cluster mode as this node sees it; absent without `[cluster]`.
    public var cluster: ClusterStatus?

    public init(
        version: String,
        pid: Int32,
        uptimeSeconds: Double,
        summary: String,
        configFile: String,
        maintenance: Bool,
        targets: [TargetStatus],
        host: HostStatus? = nil,
        cluster: ClusterStatus? = nil
    ) {
        self.version = version
        self.pid = pid
        self.uptimeSeconds = uptimeSeconds
        self.summary = summary
        self.configFile = configFile
        self.maintenance = maintenance
        self.targets = targets
        self.host = host
        self.cluster = cluster
    }
}

/// One target's line in `vigilctl status`.
public struct TargetStatus: Codable, Sendable, Equatable {
    public var name: String
    public var kind: TargetKind
    /// `running`, `starting`, `backoff`, `recovering`, `stopping`, `failed`, `exited`, `stopped`.
    public var state: String
    /// The health verdict: `healthy`, `suspect`, `failed`, or `unknown` (nothing judges it now).
    public var health: HealthWord
    /// Why, e.g. `phi=2.1 after 250ms of silence` or `gave up after 5 restarts within 1m`.
    public var evidence: String?
    public var pid: Int32?
    public var restarts: Int
    /// Seconds the current process has run.
    public var uptimeSeconds: Double?
    public var maintenance: Bool
    /// The target's own `STATUS=` (notify socket).
    public var notifyStatus: String?
    /// The last event about the target.
    public var lastEvent: EventRecord?
    /// Heartbeat figures, when the target sends heartbeats.
    public var heartbeat: HeartbeatStatus?
    /// For a target of a service with standbys: `active` (the instance serving) or `standby`.
    public var role: ServiceRole?
    /// For a hot standby: why it cannot be promoted now (not running, not healthy, failed, in maintenance); `nil`
    /// when it is eligible. Absent (`standbyEligible` nil) for other targets.
    public var ineligibility: String?
    /// For a hot standby: whether a failover could promote it now.
    public var standbyEligible: Bool?

    public init(
        name: String,
        kind: TargetKind,
        state: String,
        health: HealthWord,
        evidence: String? = nil,
        pid: Int32? = nil,
        restarts: Int = 0,
        uptimeSeconds: Double? = nil,
        maintenance: Bool = false,
        notifyStatus: String? = nil,
        lastEvent: EventRecord? = nil,
        heartbeat: HeartbeatStatus? = nil,
        role: ServiceRole? = nil,
        standbyEligible: Bool? = nil,
        ineligibility: String? = nil
    ) {
        self.name = name
        self.kind = kind
        self.state = state
        self.health = health
        self.evidence = evidence
        self.pid = pid
        self.restarts = restarts
        self.uptimeSeconds = uptimeSeconds
        self.maintenance = maintenance
        self.notifyStatus = notifyStatus
        self.lastEvent = lastEvent
        self.heartbeat = heartbeat
        self.role = role
        self.standbyEligible = standbyEligible
        self.ineligibility = ineligibility
    }
}

/// A heartbeat target's detector, as it stands.
public struct HeartbeatStatus: Codable, Sendable, Equatable {
    public var detector: String
    /// φ for phi, intervals for fixed and chen.
    public var level: Double
    public var suspect: Double
    public var convict: Double
    public var arrivals: Int
    public var meanInterArrivalSeconds: Double?
    public var standardDeviationSeconds: Double?
    public var silenceSeconds: Double?

    public init(
        detector: String,
        level: Double,
        suspect: Double,
        convict: Double,
        arrivals: Int,
        meanInterArrivalSeconds: Double? = nil,
        standardDeviationSeconds: Double? = nil,
        silenceSeconds: Double? = nil
    ) {
        self.detector = detector
        self.level = level
        self.suspect = suspect
        self.convict = convict
        self.arrivals = arrivals
        self.meanInterArrivalSeconds = meanInterArrivalSeconds
        self.standardDeviationSeconds = standardDeviationSeconds
        self.silenceSeconds = silenceSeconds
    }
}

/// An event as the control socket reports it.
public struct EventRecord: Codable, Sendable, Equatable {
    /// `VIGIL_EVENT`, e.g. `target-exited`.
    public var event: String
    public var target: String?
    public var message: String
    /// Syslog priority.
    public var priority: Int
    /// CLOCK_MONOTONIC microseconds.
    public var monotonicMicroseconds: Int64
    /// Wall-clock time, microseconds since the epoch.
    public var realtimeMicroseconds: Int64
    /// The `VIGIL_*` fields without the prefix.
    public var fields: [String: String]

    public init(
        event: String,
        target: String?,
        message: String,
        priority: Int,
        monotonicMicroseconds: Int64,
        realtimeMicroseconds: Int64,
        fields: [String: String]
    ) {
        self.event = event
        self.target = target
        self.message = message
        self.priority = priority
        self.monotonicMicroseconds = monotonicMicroseconds
        self.realtimeMicroseconds = realtimeMicroseconds
        self.fields = fields
    }
}
