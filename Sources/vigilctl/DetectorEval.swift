import ArgumentParser
import Foundation
import VigilCore
import VigilLinux

/// `vigilctl detector-eval`: replays a heartbeat trace (a file, or generated ones) through the detectors and prints
/// Chen's QoS metrics, per threshold or as a sweep of detection time against mistake rate.
struct DetectorEval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detector-eval",
        abstract: "Measure the heartbeat detectors on a trace: detection time, false convictions, accuracy.",
        discussion: """
            Trace files are described in docs/heartbeat-trace.md. With --generate, --seeds N traces are made from \
            seeds --seed, --seed+1, … and each threshold is summarised across them (median and p95 detection time, \
            false convictions pooled).
            """
    )

    @Option(help: ArgumentHelp("A trace file (CSV, see docs/heartbeat-trace.md).", valueName: "FILE"))
    var trace: String?

    @Flag(help: "Generate traces instead of reading one.")
    var generate = false

    @Option(help: "The sender's interval (generated traces, or a file without '# interval=').")
    var interval = "100ms"
    @Option(help: "Gaussian arrival jitter σ.") var jitter = "0"
    @Option(help: "Independent loss probability per heartbeat.") var loss = 0.0
    @Option(help: ArgumentHelp("Gilbert–Elliott bursty loss: P(enter bad), P(leave bad).", valueName: "P,R"))
    var burstLoss: String?
    @Option(help: ArgumentHelp("Pareto extra delay: scale, shape (e.g. 5ms,2.5).", valueName: "SCALE,SHAPE"))
    var pareto: String?
    @Option(
        help: ArgumentHelp(
            "Rare delay spikes: probability per heartbeat, least and most extra delay (e.g. 0.002,150ms,400ms).",
            valueName: "P,MIN,MAX"
        )
    )
    var spikes: String?
    @Option(
        help: ArgumentHelp(
            "A slowly changing link: jitter, spikes and loss scaled from 1 to PEAK and back every PERIOD.",
            valueName: "PERIOD,PEAK"
        )
    )
    var drift: String?
    @Option(help: ArgumentHelp("A sender pause: start and length (e.g. 5m:2s).", valueName: "START:LENGTH"))
    var pause: [String] = []
    @Option(help: "Trace length.") var duration = "10m"
    @Option(help: "When the sender crashes; none if omitted.") var crashAt: String?
    @Option(help: "First seed.") var seed: UInt64 = 1
    @Option(help: "Number of generated traces (seeds).") var seeds = 1
    @Flag(help: "Print the (first) generated trace as CSV and exit.") var printTrace = false

    @Option(help: ArgumentHelp("Detectors to measure.", valueName: "KIND,…")) var detectors = "phi,chen,fixed,loss"
    @Option(help: ArgumentHelp("φ thresholds.", valueName: "T,…")) var phi = "8"
    @Option(help: ArgumentHelp("chen thresholds (α / interval).", valueName: "T,…")) var chen = "2"
    @Option(help: ArgumentHelp("fixed thresholds (intervals of silence).", valueName: "T,…")) var fixed = "3"
    @Option(help: ArgumentHelp("loss thresholds (−log₁₀ P(silence | alive)).", valueName: "T,…"))
    var lossLevels = "8"
    @Option(help: "Inter-arrival samples kept (phi, chen).") var window = 1000
    @Option(help: "φ's floor for the standard deviation (default interval/10).") var minStd: String?
    @Option(help: "φ's acceptable pause.") var acceptablePause = "0"

    @Flag(help: "Sweep each detector's threshold range instead of the given thresholds.") var sweep = false
    @Option(help: "Thresholds per detector in a sweep.") var points = 50
    @Flag(
        help: "Sweep wider ranges, spaced geometrically (for lossy links, where thresholds reach many intervals)."
    )
    var wide = false
    @Option(
        help: ArgumentHelp(
            "Per detector, the threshold with the largest median detection time not above this.",
            valueName: "DURATION"
        )
    )
    var equalDetection: String?
    @Option(
        help: ArgumentHelp(
            "Per detector, the lowest threshold from which on there are at most N false convictions (all seeds).",
            valueName: "N"
        )
    )
    var equalMistakes: Int?
    @Option(
        help: ArgumentHelp(
            "Also replay the loss detector configured by quality of service (the threshold shown is the last derived).",
            valueName: "WITHIN,RATE"
        )
    )
    var qos: [String] = []
    @Option(help: "markdown or csv.") var format = "markdown"

    func run() throws {
        let traces = try loadTraces()
        if printTrace {
            print(traces[0].text, terminator: "")
            return
        }
        var rows: [(name: String, summary: DetectorSummary)] = []
        for kind in try kinds() {
            let config = try config(kind, interval: traces[0].interval)
            let searching = sweep || equalDetection != nil || equalMistakes != nil
            let thresholds = searching ? Self.range(kind, points: points, wide: wide) : try given(kind)
            var summaries = DetectorEvaluation.summarize(traces, config: config, thresholds: thresholds)
            if let equalDetection {
                let target = try seconds(equalDetection, "--equal-detection")
                summaries = summaries.filter { ($0.medianDetectionTime ?? .infinity) <= target + 1e-12 }.suffix(1)
            }
            if let equalMistakes {
                // The lowest threshold with at most N mistakes at it and at every more lenient one.
                let lenient = summaries.reversed().prefix { $0.falseConvictions <= equalMistakes }
                summaries = lenient.last.map { [$0] } ?? []
            }
            rows += summaries.map { (kind.rawValue, $0) }
        }
        for request in qos {
            let (within, rate) = try parseQoS(request)
            var config = try config(.loss, interval: traces[0].interval)
            config.qos = HeartbeatQoS(detectWithin: within, falseConvictions: rate)
            let runs = traces.map { DetectorEvaluation.evaluateQoS($0, config: config) }
            // No comma in the name: it is a CSV cell.
            let name = "loss qos " + request.split(separator: ",").joined(separator: " ")
            rows.append((name, DetectorSummary(runs: runs, threshold: runs.last?.threshold ?? 0)))
        }
        print(DetectorReport(rows: rows, csv: format == "csv").text, terminator: "")
    }

    /// Default sweep ranges, in each detector's own level, from aggressive to lenient. Wide ones reach detection
    /// times of seconds at 100 ms and are spaced geometrically, so that every part of the curve gets points.
    static func range(_ kind: HeartbeatDetectorKind, points: Int, wide: Bool = false) -> [Double] {
        let count = max(2, points)
        if wide {
            let (low, high): (Double, Double) =
                switch kind {
                case .phi: (1, 20_000)
                case .chen: (0.2, 60)
                case .fixed: (1.2, 60)
                case .loss: (1, 40)
                }
            return (0..<count).map { low * pow(high / low, Double($0) / Double(count - 1)) }
        }
        let (low, high): (Double, Double) =
            switch kind {
            case .phi: (1, 60)
            case .chen: (0.2, 6)
            case .fixed: (1.2, 7)
            case .loss: (1, 20)
            }
        return (0..<count).map { low + (high - low) * Double($0) / Double(count - 1) }
    }

    private func loadTraces() throws -> [HeartbeatTrace] {
        let nominal = try seconds(interval, "--interval")
        if let trace, !generate {
            do {
                return [try HeartbeatTrace(parsing: try FileText.read(trace), interval: nominal)]
            } catch let error as HeartbeatTraceError {
                throw ValidationError("\(trace): \(error)")
            }
        }
        guard generate else { throw ValidationError("give --trace FILE or --generate") }
        var generator = HeartbeatTraceGenerator(
            interval: nominal,
            duration: try seconds(duration, "--duration"),
            seed: 0
        )
        generator.jitter = try seconds(jitter, "--jitter")
        generator.loss = loss
        generator.crash = try crashAt.map { try seconds($0, "--crash-at") }
        if let burstLoss {
            let p = try pair(burstLoss, separator: ",", "--burst-loss")
            generator.burstLoss = .init(
                enterBad: try number(p.0, "--burst-loss"),
                leaveBad: try number(p.1, "--burst-loss")
            )
        }
        if let pareto {
            let p = try pair(pareto, separator: ",", "--pareto")
            generator.heavyTail = .pareto(scale: try seconds(p.0, "--pareto"), shape: try number(p.1, "--pareto"))
        }
        if let spikes {
            let parts = spikes.split(separator: ",").map(String.init)
            guard parts.count == 3 else { throw ValidationError("--spikes: expected P,MIN,MAX, got '\(spikes)'") }
            generator.delaySpikes = .init(
                probability: try number(parts[0], "--spikes"),
                minimum: try seconds(parts[1], "--spikes"),
                maximum: try seconds(parts[2], "--spikes")
            )
        }
        if let drift {
            let p = try pair(drift, separator: ",", "--drift")
            generator.drift = .init(period: try seconds(p.0, "--drift"), peak: try number(p.1, "--drift"))
        }
        generator.pauses = try pause.map {
            let p = try pair($0, separator: ":", "--pause")
            return .init(start: try seconds(p.0, "--pause"), length: try seconds(p.1, "--pause"))
        }
        return (0..<max(1, seeds)).map { offset in
            var copy = generator
            copy.seed = seed &+ UInt64(offset)
            return copy.trace()
        }
    }

    /// `2s,1/week`, `-,1/day` (no bound) or `2s` (the default rate).
    private func parseQoS(_ text: String) throws -> (Duration?, HeartbeatRate) {
        let parts = text.split(separator: ",", maxSplits: 1).map(String.init)
        let within = parts[0] == "-" ? nil : Duration(parsing: parts[0])
        guard parts[0] == "-" || within != nil else { throw ValidationError("--qos: not a duration: '\(parts[0])'") }
        guard parts.count == 2 else { return (within, .oncePerWeek) }
        guard let rate = HeartbeatRate(parsing: parts[1]) else {
            throw ValidationError("--qos: not a rate: '\(parts[1])' (e.g. 1/week)")
        }
        return (within, rate)
    }

    private func kinds() throws -> [HeartbeatDetectorKind] {
        try detectors.split(separator: ",").map {
            guard let kind = HeartbeatDetectorKind(rawValue: String($0)) else {
                throw ValidationError("--detectors: unknown detector '\($0)' (phi, chen, fixed, loss)")
            }
            return kind
        }
    }

    private func given(_ kind: HeartbeatDetectorKind) throws -> [Double] {
        let text =
            switch kind {
            case .phi: phi
            case .chen: chen
            case .fixed: fixed
            case .loss: lossLevels
            }
        let option = kind == .loss ? "--loss-levels" : "--\(kind.rawValue)"
        return try text.split(separator: ",").map { try number(String($0), option) }
    }

    private func config(_ kind: HeartbeatDetectorKind, interval: Double) throws -> HeartbeatConfig {
        HeartbeatConfig(
            interval: .nanoseconds(Int64((interval * 1e9).rounded())),
            detector: kind,
            window: window,
            minStandardDeviation: try minStd.map { .nanoseconds(Int64(try seconds($0, "--min-std") * 1e9)) },
            acceptablePause: .nanoseconds(Int64(try seconds(acceptablePause, "--acceptable-pause") * 1e9))
        )
    }

    private func seconds(_ text: String, _ option: String) throws -> Double {
        guard let duration = Duration(parsing: text) else {
            throw ValidationError("\(option): not a duration: '\(text)' (e.g. 250ms, 30s, 5m)")
        }
        return Double(duration.nanoseconds) / 1e9
    }

    private func number(_ text: String, _ option: String) throws -> Double {
        guard let value = Double(text) else { throw ValidationError("\(option): not a number: '\(text)'") }
        return value
    }

    private func pair(_ text: String, separator: Character, _ option: String) throws -> (String, String) {
        let parts = text.split(separator: separator, maxSplits: 1).map(String.init)
        guard parts.count == 2 else { throw ValidationError("\(option): expected A\(separator)B, got '\(text)'") }
        return (parts[0], parts[1])
    }
}
