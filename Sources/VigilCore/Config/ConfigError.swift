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

    public init(file: String, problems: [ConfigProblem]) {
        self.file = file
        self.problems = problems
    }

    /// One line per problem: `file:line: key: message`.
    public var lines: [String] {
        problems.map { problem in
            if let line = problem.line {
                return "\(file):\(line): \(problem.key): \(problem.message)"
            }
            return "\(file): \(problem.key): \(problem.message)"
        }
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
