/// One thing wrong with a configuration, placed as precisely as the parser allows.
public struct ConfigProblem: Sendable, Equatable, CustomStringConvertible {
    /// 1-based line in the file, when known.
    public var line: Int?
    /// Dotted key path, e.g. `target[web].restart.burst` or `daemon.log_level`.
    public var key: String
    public var message: String

    public init(line: Int?, key: String, message: String) {
        self.line = line
        self.key = key
        self.message = message
    }

    /// `line: key: message` (or `key: message` without a line).
    public var description: String {
        if let line {
            return "\(line): \(key): \(message)"
        }
        return "\(key): \(message)"
    }
}

extension ConfigProblem {
    /// `file:line: key: message`, or `file:line: key: warning: message` for a warning.
    public func line(in file: String, warning: Bool = false) -> String {
        let text = warning ? "warning: \(message)" : message
        if let line {
            return "\(file):\(line): \(key): \(text)"
        }
        return "\(file): \(key): \(text)"
    }

    /// Problems by line, those without a line last; problems on one line keep the order they were found in.
    public static func inLineOrder(_ problems: [ConfigProblem]) -> [ConfigProblem] {
        problems.enumerated()
            .sorted { lhs, rhs in
                let left = lhs.element.line ?? Int.max
                let right = rhs.element.line ?? Int.max
                return left != right ? left < right : lhs.offset < rhs.offset
            }
            .map(\.element)
    }
}

/// A configuration that cannot be used, with every problem found in it.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file the problems are in, as given by the operator.
    public var file: String
    public var problems: [ConfigProblem]
    /// What was found besides the problems that would not stop the file loading (see `LoadedConfig.warnings`), so
    /// that one check shows everything.
    public var warnings: [ConfigProblem]

    public init(file: String, problems: [ConfigProblem], warnings: [ConfigProblem] = []) {
        self.file = file
        self.problems = problems
        self.warnings = warnings
    }

    /// One line per problem: `file:line: key: message`.
    public var lines: [String] {
        problems.map { $0.line(in: file) }
    }

    /// One line per warning: `file:line: key: warning: message`.
    public var warningLines: [String] {
        warnings.map { $0.line(in: file, warning: true) }
    }

    public var description: String {
        lines.joined(separator: "\n")
    }

    /// The first `limit` of `lines`, and one more saying how many were left out: what a log entry carries, so that
    /// a garbage file of thousands of lines does not make an entry of megabytes (which stalled the engine queue on
    /// a slow standard error). `vigild --check-config` and the reply to `vigilctl reload` still list them all.
    public func lines(limit: Int) -> [String] {
        let all = lines
        guard all.count > limit else { return all }
        return all.prefix(limit) + ["… and \(all.count - limit) more (vigild --check-config \(file) lists them all)"]
    }
}
