/// A recorded or generated run of heartbeats as the receiver saw them: arrival times on its monotonic clock, in
/// seconds, with the sender's nominal interval and, when the sender crashed, when.
///
/// The text form (`docs/heartbeat-trace.md`) is one arrival per line under an `arrival_s` header (optionally
/// `arrival_s,sequence`, each line then also carrying the heartbeat's sequence number), with optional
/// `# interval=0.1`, `# crash=612.5` and `# start=0` comment lines.
public struct HeartbeatTrace: Sendable, Equatable {
    /// The sender's nominal interval, in seconds.
    public var interval: Double
    /// Arrival times in seconds, non-decreasing.
    public var arrivals: [Double]
    /// When the sender crashed (stopped sending for good); nil when it never did.
    public var crash: Double?
    /// When the detector was armed: the target's start.
    public var start: Double
    /// The sequence number of each arrival (same count as `arrivals`), when known: what the loss detector learns
    /// bursts from. Without them it infers each heartbeat's slot from its arrival time.
    public var sequences: [UInt64]?

    public init(
        interval: Double,
        arrivals: [Double],
        crash: Double? = nil,
        start: Double = 0,
        sequences: [UInt64]? = nil
    ) {
        self.interval = interval
        self.arrivals = arrivals
        self.crash = crash
        self.start = start
        self.sequences = sequences.flatMap { $0.count == arrivals.count ? $0 : nil }
    }

    /// The end of the time in which the sender was up: the crash, or the last arrival.
    public var end: Double {
        crash ?? arrivals.last ?? start
    }

    /// Parses the text form.
    /// - Parameters:
    ///   - text: the file's contents.
    ///   - interval: used when the text has no `# interval=` line.
    /// - Throws: `HeartbeatTraceError` naming the line that is wrong.
    public init(parsing text: String, interval fallbackInterval: Double? = nil) throws(HeartbeatTraceError) {
        var interval = fallbackInterval
        var crash: Double?
        var start = 0.0
        var arrivals: [Double] = []
        var sequenceColumn: Int?
        var sequences: [UInt64] = []
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingWhitespace
            let lineNumber = number + 1
            if line.isEmpty { continue }
            if line.hasPrefix("arrival_s") {
                let columns = line.split(separator: ",").map { Substring($0).trimmingWhitespace }
                sequenceColumn = columns.firstIndex(of: "sequence")
                continue
            }
            if line.hasPrefix("#") {
                let body = line.dropFirst().trimmingWhitespace
                guard let equals = body.firstIndex(of: "=") else { continue }
                let key = body[..<equals].trimmingWhitespace
                let value = body[body.index(after: equals)...].trimmingWhitespace
                guard ["interval", "crash", "start"].contains(key) else { continue }
                guard let number = Double(value), number.isFinite else {
                    throw HeartbeatTraceError(line: lineNumber, message: "\(key): not a number of seconds: \(value)")
                }
                switch key {
                case "interval": interval = number
                case "crash": crash = number
                default: start = number
                }
                continue
            }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map {
                Substring($0).trimmingWhitespace
            }
            let field = fields.first ?? ""
            if let sequenceColumn {
                guard sequenceColumn < fields.count, let sequence = UInt64(fields[sequenceColumn]) else {
                    throw HeartbeatTraceError(line: lineNumber, message: "no sequence number: \(line)")
                }
                sequences.append(sequence)
            }
            guard let arrival = Double(field), arrival.isFinite else {
                throw HeartbeatTraceError(line: lineNumber, message: "not an arrival time in seconds: \(line)")
            }
            if let previous = arrivals.last, arrival < previous {
                throw HeartbeatTraceError(
                    line: lineNumber,
                    message: "arrival \(field) is earlier than the one before it (\(previous)); sort the trace"
                )
            }
            arrivals.append(arrival)
        }
        guard let interval, interval > 0 else {
            throw HeartbeatTraceError(line: 0, message: "no interval: add a '# interval=SECONDS' line or pass one")
        }
        self.init(
            interval: interval,
            arrivals: arrivals,
            crash: crash,
            start: start,
            sequences: sequenceColumn == nil ? nil : sequences
        )
    }

    /// The text form, which `init(parsing:)` reads back.
    public var text: String {
        var lines = ["# interval=\(interval)"]
        if let crash {
            lines.append("# crash=\(crash)")
        }
        if start != 0 {
            lines.append("# start=\(start)")
        }
        if let sequences {
            lines.append("arrival_s,sequence")
            lines.append(contentsOf: zip(arrivals, sequences).map { "\($0),\($1)" })
        } else {
            lines.append("arrival_s")
            lines.append(contentsOf: arrivals.map { String($0) })
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// A trace file that cannot be read as one.
public struct HeartbeatTraceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The 1-based line at fault; 0 for the file as a whole.
    public var line: Int
    public var message: String

    public var description: String {
        line > 0 ? "line \(line): \(message)" : message
    }
}

extension Substring {
    /// Without the spaces, tabs and carriage returns around it.
    var trimmingWhitespace: Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }) else { return self[endIndex...] }
        let last = lastIndex(where: { !isSpace($0) })!
        return self[first...last]
    }
}
