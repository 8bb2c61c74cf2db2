/// What an operator needs from a target's failure detection, instead of a threshold: detect a stopped sender within
/// `detectWithin`, and convict a live one falsely at most `falseConvictions` often. This is Chen, Toueg and
/// Aguilera's configuration by quality of service (2002, §5): the detector derives its threshold from the link it
/// observes, and says when the link cannot give both.
///
/// Only the `loss` detector can be configured so: its level L is the probability 10^−L that a live sender leaves
/// the silence, so a live sender is falsely convicted about once every 10^L heartbeats, and a rate of false
/// convictions is a level. The derivation (`thresholds(for:)`):
///
/// - `rate level` = −log₁₀(λ · mean time between heartbeats received): the level at which the expected rate of false
///   convictions is λ, the requested rate;
/// - `budget level` = the level the detector reaches after `detectWithin` of silence on the observed link;
/// - convict at min(rate level + 1, budget level): as fast as a tenfold margin on the requested rate allows (the
///   tails are extrapolated), never later than `detectWithin`; suspect two decades below.
///
/// When the budget level is below the rate level, no threshold gives both: detection stays within `detectWithin`
/// (a hang is never left running longer than asked), and the judge reports the link as unable to meet the request
/// (`HeartbeatQoSChange`) with the false-conviction rate to expect and the detection time that would be needed.
public struct HeartbeatQoS: Sendable, Equatable {
    /// The longest silence after the last heartbeat before a stopped sender is convicted; nil for no bound.
    public var detectWithin: Duration?
    public var falseConvictions: HeartbeatRate

    /// The decades of margin between the requested rate and the convict threshold, and between convict and suspect.
    public static let convictMargin = 1.0
    public static let suspectBelowConvict = 2.0

    public init(detectWithin: Duration?, falseConvictions: HeartbeatRate) {
        self.detectWithin = detectWithin
        self.falseConvictions = falseConvictions
    }

    /// What a heartbeat with a `key_file` and no detector settings gets: convicted within 2 s or 5 intervals,
    /// whichever is longer, and falsely at most once a week. Such heartbeats may cross a network, whose loss comes in
    /// bursts; the φ default convicted healthy senders 57 times an hour behind a bursty link at 100 ms, this none in
    /// the evaluation (`bench/RESULTS.md`, "Defaults"). A `level` scales the bound.
    public static func packetDefault(interval: Duration) -> HeartbeatQoS {
        HeartbeatQoS(detectWithin: max(.seconds(2), interval * 5), falseConvictions: .oncePerWeek)
    }

    /// Thresholds derived from what `detector` has observed so far.
    public func thresholds(for detector: HeartbeatDetector) -> HeartbeatQoSThresholds {
        let link = detector.link
        // Heartbeats received per sent one is 1/(1 + b·m); the mean time between receptions, in seconds.
        let meanGap = Double(link.period.nanoseconds) / 1e9 * (1 + link.burstRate * link.meanBurstLength)
        let rateLevel = -HeartbeatMath.log(falseConvictions.perSecond * meanGap) / HeartbeatMath.ln10
        let budgetLevel = detectWithin.map { detector.level(afterSilence: $0) }
        let convict = min(rateLevel + Self.convictMargin, budgetLevel ?? .infinity)
        return HeartbeatQoSThresholds(
            suspect: max(0, convict - Self.suspectBelowConvict),
            convict: convict,
            rateLevel: rateLevel,
            budgetLevel: budgetLevel,
            meanGap: meanGap
        )
    }
}

/// One derivation of `HeartbeatQoS`.
public struct HeartbeatQoSThresholds: Sendable, Equatable {
    public var suspect: Double
    public var convict: Double
    /// The level at which false convictions come at the requested rate.
    public var rateLevel: Double
    /// The level reached after `detectWithin` of silence; nil without a bound.
    public var budgetLevel: Double?
    /// Seconds between heartbeats received, on average.
    public var meanGap: Double

    /// Whether `detectWithin` leaves room for the requested rate, with `slack` decades to spare.
    public func meets(slack: Double = 0) -> Bool {
        budgetLevel.map { $0 >= rateLevel + slack } ?? true
    }

    /// The false convictions per week to expect at the convict threshold, if the link stays as observed.
    public var expectedFalseConvictionsPerWeek: Double {
        HeartbeatMath.exp(-convict * HeartbeatMath.ln10) / meanGap * 604_800
    }
}

/// A number of events per period, as written in the configuration: `"1/week"`, `"3/day"`, `"1/12h"`.
public struct HeartbeatRate: Sendable, Equatable, CustomStringConvertible {
    public var count: Double
    public var period: Duration
    /// How it was written.
    public var description: String

    /// One a week: the default false-conviction rate with `detect_within`.
    public static let oncePerWeek = HeartbeatRate(count: 1, period: .seconds(604_800), description: "1/week")

    private init(count: Double, period: Duration, description: String) {
        self.count = count
        self.period = period
        self.description = description
    }

    /// Parses `COUNT/UNIT` with UNIT one of `hour`, `day`, `week`, `month` (30 days), `year` (365 days), or a
    /// duration (`12h`, `30d`). Nil when the text is not of that form or the count is not a positive number.
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let count = Double(parts[0].filter { $0 != " " }), count > 0, count.isFinite else {
            return nil
        }
        let unit = parts[1].filter { $0 != " " }
        let period: Duration
        switch unit {
        case "hour", "h": period = .seconds(3_600)
        case "day", "d": period = .seconds(86_400)
        case "week", "w": period = .seconds(604_800)
        case "month": period = .seconds(2_592_000)
        case "year", "y": period = .seconds(31_536_000)
        default:
            guard let parsed = Duration(parsing: String(unit)) ?? Self.days(String(unit)), parsed > .zero else {
                return nil
            }
            period = parsed
        }
        self.init(count: count, period: period, description: text)
    }

    /// Per second.
    public var perSecond: Double {
        count / (Double(period.nanoseconds) / 1e9)
    }

    /// `30d`, which `Duration(parsing:)` may not know.
    private static func days(_ text: String) -> Duration? {
        guard text.hasSuffix("d"), let days = Int64(text.dropLast()), days > 0 else { return nil }
        return .seconds(days * 86_400)
    }
}

/// The link of a target configured by quality of service started or stopped being able to meet the request.
public struct HeartbeatQoSChange: Sendable, Equatable {
    public var met: Bool
    public var qos: HeartbeatQoS
    public var thresholds: HeartbeatQoSThresholds
    /// The silence at which the requested rate would be met (the detection time the link needs); nil if unknown.
    public var neededDetection: Duration?
    public var link: HeartbeatLink
    public var at: MonotonicInstant

    /// The event for the journal and the other sinks.
    public func event(target: String) -> Event {
        var fields = [
            "FALSE_CONVICTIONS": qos.falseConvictions.description,
            "EXPECTED_PER_WEEK": Self.format(thresholds.expectedFalseConvictionsPerWeek),
            "CONVICT": Self.format(thresholds.convict),
            "BURST_RATE": Self.format(link.burstRate),
            "MEAN_BURST": Self.format(link.meanBurstLength),
        ]
        if let within = qos.detectWithin {
            fields["DETECT_WITHIN_USEC"] = String(within.microseconds)
        }
        if let neededDetection {
            fields["NEEDED_USEC"] = String(neededDetection.microseconds)
        }
        let within = qos.detectWithin.map { "detection within \($0.humanReadable)" } ?? "detection"
        let message: String
        if met {
            message = "\(target): the link meets \(within) with at most \(qos.falseConvictions) false convictions again"
        } else {
            let needed = neededDetection.map { "; that rate needs about \($0.humanReadable)" } ?? ""
            message =
                "\(target): the link cannot meet \(within) with at most \(qos.falseConvictions) false convictions "
                + "(bursts of \(Self.format(link.meanBurstLength)) heartbeats lost, "
                + "\(Self.format(link.burstRate * 100))% of heartbeats): keeping the detection bound, expect about "
                + "\(Self.format(thresholds.expectedFalseConvictionsPerWeek)) false convictions a week\(needed)"
        }
        return Event(
            kind: met ? .heartbeatQoSMet : .heartbeatQoSUnmet,
            target: target,
            message: message,
            fields: fields,
            time: at
        )
    }

    /// Three significant-ish decimals without Foundation.
    static func format(_ value: Double) -> String {
        guard value.isFinite else { return value > 0 ? "inf" : "nan" }
        if value >= 100 { return String(Int64(value.rounded())) }
        let scaled = (value * 1000).rounded() / 1000
        return String(scaled)
    }
}
