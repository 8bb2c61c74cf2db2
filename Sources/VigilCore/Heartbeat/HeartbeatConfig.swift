/// A target's `heartbeat` table: how often it promises to say it is alive, and how vigild judges silence.
///
/// Every detector turns the time since the last heartbeat into a suspicion level that grows with silence, and
/// compares it with two thresholds: `suspect` (an event, a precaution) and `convict` (a fault: recovery). The level
/// is φ for `phi`; for `fixed` it is the silence in intervals; for `chen` it is how far past the expected arrival the
/// silence has gone, in intervals (so the threshold is Chen's safety margin α divided by the interval).
public struct HeartbeatConfig: Sendable, Equatable {
    /// The sender's interval.
    public var interval: Duration
    public var detector: HeartbeatDetectorKind
    /// Level at which the target is suspected (event only).
    public var suspect: Double
    /// Level at which the target is convicted (fault → recovery). At least `suspect`.
    public var convict: Double
    /// Inter-arrival samples kept (chen, phi).
    public var window: Int
    /// Floor for the standard deviation of inter-arrival times (phi), so a very regular sender is not convicted on
    /// the first late packet.
    public var minStandardDeviation: Duration
    /// Extra silence tolerated before suspicion starts to grow (phi), as production implementations allow for GC.
    /// One interval by default for phi (one lost heartbeat), zero for the others.
    public var acceptablePause: Duration
    /// How long after a (re)start the first heartbeat may take before silence counts.
    public var firstHeartbeatGrace: Duration
    /// Detection by quality of service (`loss` only): when set, the judge derives `suspect` and `convict` from the
    /// link it observes and these two are only the starting point.
    public var qos: HeartbeatQoS?
    /// File holding the target's HMAC-SHA256 key (hex, at least 32 bytes), mode 0600; `nil` when the target only
    /// uses its notify socket.
    public var keyFile: String?

    public init(
        interval: Duration,
        detector: HeartbeatDetectorKind = .phi,
        suspect: Double? = nil,
        convict: Double? = nil,
        window: Int = 1000,
        minStandardDeviation: Duration? = nil,
        acceptablePause: Duration? = nil,
        firstHeartbeatGrace: Duration? = nil,
        keyFile: String? = nil,
        qos: HeartbeatQoS? = nil
    ) {
        self.interval = interval
        self.detector = detector
        self.suspect = suspect ?? detector.defaultSuspect
        self.convict = convict ?? detector.defaultConvict
        self.window = window
        self.minStandardDeviation = minStandardDeviation ?? interval / 10
        // φ's default tolerates one lost heartbeat: without it, 1 % loss convicts a healthy sender every few minutes.
        self.acceptablePause = acceptablePause ?? (detector == .phi ? interval : .zero)
        self.firstHeartbeatGrace = firstHeartbeatGrace ?? interval * 10
        self.keyFile = keyFile
        self.qos = qos
    }
}

/// The failure detectors vigild offers.
public enum HeartbeatDetectorKind: String, Sendable, Equatable, CaseIterable {
    /// Suspect after k × interval of silence: what keepalived, Kubernetes and systemd's watchdog do.
    case fixed
    /// Chen, Toueg and Aguilera (2002): an adaptive estimate of the next arrival plus a safety margin.
    case chen
    /// φ-accrual (Hayashibara et al. 2004) over a sliding window of inter-arrival times.
    case phi
    /// Loss-aware: from the sequence numbers, the observed burst-length distribution and delay tail; the level is
    /// −log₁₀ P(a live sender leaves this silence), so a threshold of L is a false conviction about once in 10^L
    /// heartbeats (`LossBurstModel`).
    case loss

    /// Default `suspect` threshold, in the detector's own level: a warning about twice an hour under the evaluation's
    /// conditions, not every few seconds.
    public var defaultSuspect: Double {
        switch self {
        case .fixed: 3
        case .chen: 2
        case .phi: 8
        case .loss: 5
        }
    }

    /// Default `convict` threshold, in the detector's own level: the lowest that gave no false conviction in 200
    /// minutes of 100 ms heartbeats with 10 ms jitter and 1 % loss (`bench/RESULTS.md`, detector evaluation).
    public var defaultConvict: Double {
        switch self {
        case .fixed: 4
        case .chen: 3
        case .phi: 16
        case .loss: 8
        }
    }
}
