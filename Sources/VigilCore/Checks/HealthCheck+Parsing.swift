extension HealthCheck {
    /// The parts of a `when` text: `METRIC OP BOUND for DURATION`.
    public struct Condition: Sendable, Equatable {
        public var metric: HealthMetric
        public var comparison: Comparison
        public var bound: Bound
        public var holdFor: Duration
    }

    /// Sizes a bound may be written in: binary (`KiB`, and `K` for the same) and decimal (`KB`) multiples.
    static let sizeUnits: [String: Double] = [
        "B": 1,
        "K": 1024, "KiB": 1024, "KB": 1000,
        "M": 1_048_576, "MiB": 1_048_576, "MB": 1_000_000,
        "G": 1_073_741_824, "GiB": 1_073_741_824, "GB": 1_000_000_000,
        "T": 1_099_511_627_776, "TiB": 1_099_511_627_776, "TB": 1_000_000_000_000,
    ]

    /// Parses a condition such as `memory.psi.full.avg10 > 20 for 30s` or `fs.free[/var] < 10% for 1m`.
    ///
    /// - Parameters:
    ///   - text: the `when` text.
    ///   - scope: where the check is configured; a metric of another scope is refused.
    /// - Returns: the condition, or a message saying what is wrong and what is expected.
    public static func parseCondition(_ text: String, scope: HealthMetric.Scope) -> Result<Condition, CheckSyntaxError>
    {
        var scanner = Scanner(text)
        let form = "write METRIC OP BOUND for DURATION, e.g. \"memory.psi.full.avg10 > 20 for 30s\""
        scanner.skipSpaces()
        let name = scanner.take { $0.isLetter || $0.isNumber || $0 == "." || $0 == "_" }
        guard !name.isEmpty else { return .failure(CheckSyntaxError("missing metric name (\(form))")) }
        var argument: String?
        if scanner.peek == "[" {
            scanner.advance()
            let inside = scanner.take { $0 != "]" }
            guard scanner.peek == "]" else { return .failure(CheckSyntaxError("unclosed [ after \(name)")) }
            scanner.advance()
            argument = String(inside)
        }
        let metric = HealthMetric(name: String(name), argument: argument)
        guard let definition = metric.definition else {
            let known = HealthMetric.names(in: scope).joined(separator: ", ")
            return .failure(CheckSyntaxError("unknown metric \"\(name)\" (known for the \(scope.rawValue): \(known))"))
        }
        guard definition.scopes.contains(scope) else {
            let other = definition.scopes.map(\.rawValue).sorted().joined(separator: " and ")
            return .failure(CheckSyntaxError("\(name) is measured for the \(other), not for a \(scope.rawValue)"))
        }
        switch (definition.argument, argument) {
        case (let wanted?, nil):
            return .failure(CheckSyntaxError("\(name) needs \(wanted) in brackets, e.g. \(name)[/var]"))
        case (nil, _?):
            return .failure(CheckSyntaxError("\(name) takes no argument in brackets"))
        case (_?, let given?):
            guard given.hasPrefix("/") else {
                return .failure(CheckSyntaxError("\(name)[\(given)]: the path must be absolute"))
            }
        case (nil, nil):
            break
        }
        scanner.skipSpaces()
        let operatorText = scanner.take { "<>=!".contains($0) }
        guard let comparison = Comparison(rawValue: String(operatorText)) else {
            let known = Comparison.allCases.map(\.rawValue).joined(separator: " ")
            let found = operatorText.isEmpty ? "nothing" : "\"\(operatorText)\""
            return .failure(CheckSyntaxError("expected a comparison (\(known)) after \(metric), found \(found)"))
        }
        scanner.skipSpaces()
        let boundText = scanner.take { !$0.isWhitespace }
        let bound: Bound
        switch parseBound(String(boundText), metric: metric, definition: definition) {
        case .success(let parsed): bound = parsed
        case .failure(let error): return .failure(error)
        }
        scanner.skipSpaces()
        let keyword = scanner.take { !$0.isWhitespace }
        guard keyword == "for" else {
            let found = keyword.isEmpty ? "the end" : "\"\(keyword)\""
            let hint = "how long the bound must hold; \"for 0s\" acts on a single reading"
            return .failure(CheckSyntaxError("expected \"for DURATION\" after the bound, found \(found) (\(hint))"))
        }
        scanner.skipSpaces()
        let durationText = scanner.take { !$0.isWhitespace }
        guard let holdFor = Duration(parsing: String(durationText)) else {
            let found = durationText.isEmpty ? "nothing" : "\"\(durationText)\""
            return .failure(CheckSyntaxError("expected a duration such as 30s after \"for\", found \(found)"))
        }
        scanner.skipSpaces()
        guard scanner.atEnd else {
            return .failure(CheckSyntaxError("unexpected \"\(scanner.rest)\" after the duration"))
        }
        return .success(Condition(metric: metric, comparison: comparison, bound: bound, holdFor: holdFor))
    }

    private static func parseBound(
        _ text: String,
        metric: HealthMetric,
        definition: HealthMetric.Definition
    ) -> Result<Bound, CheckSyntaxError> {
        guard !text.isEmpty else { return .failure(CheckSyntaxError("missing bound after the comparison")) }
        let digits = text.prefix { $0.isNumber || $0 == "." }
        let unit = String(text.dropFirst(digits.count))
        guard !digits.isEmpty, let number = Double(digits) else {
            return .failure(CheckSyntaxError("bound \"\(text)\" is not a number"))
        }
        switch (definition.unit, unit) {
        case (.flag, ""):
            guard number == 0 || number == 1 else {
                return .failure(CheckSyntaxError("\(metric) is 0 or 1; compare it with 0 or 1"))
            }
            return .success(.value(number))
        case (.flag, _):
            return .failure(CheckSyntaxError("\(metric) is 0 or 1 and takes no unit"))
        case (.percent, "%"), (.percent, ""):
            guard number <= 100 else { return .failure(CheckSyntaxError("\(metric) is a percentage, at most 100")) }
            return .success(.percentOfTotal(number))
        case (_, "%"):
            guard definition.hasTotal else {
                return .failure(CheckSyntaxError("\(metric) has no total to take a percentage of; give a number"))
            }
            guard number <= 100 else { return .failure(CheckSyntaxError("a percentage is at most 100")) }
            return .success(.percentOfTotal(number))
        case (.bytes, ""):
            return .success(.value(number))
        case (.bytes, _):
            guard let scale = sizeUnits[unit] else {
                let known = sizeUnits.keys.sorted().joined(separator: " ")
                return .failure(CheckSyntaxError("unknown size unit \"\(unit)\" (known: \(known), or %)"))
            }
            return .success(.value(number * scale))
        case (.number, ""):
            return .success(.value(number))
        case (.percent, _), (.number, _):
            return .failure(CheckSyntaxError("\(metric) takes a plain number, not \"\(unit)\""))
        }
    }
}

/// Why a `when` text could not be parsed.
public struct CheckSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

/// A cursor over the characters of a condition.
private struct Scanner {
    private let characters: [Character]
    private var index = 0

    init(_ text: String) {
        characters = Array(text)
    }

    var peek: Character? { index < characters.count ? characters[index] : nil }
    var atEnd: Bool { index >= characters.count }
    var rest: String { String(characters[index...]) }

    mutating func advance() {
        index += 1
    }

    mutating func skipSpaces() {
        while let character = peek, character.isWhitespace {
            index += 1
        }
    }

    mutating func take(while predicate: (Character) -> Bool) -> Substring {
        let start = index
        while let character = peek, predicate(character) {
            index += 1
        }
        return Substring(String(characters[start..<index]))
    }
}
