import TOMLKit

/// Reads typed values out of one TOML table for `ConfigParser`.
///
/// A value of the wrong type or form is not thrown: it becomes a `ConfigProblem` (named by key and placed by line)
/// appended to `problems`, and the getter returns `nil`, so parsing goes on and every problem is reported at once.
/// Getters also return `nil` for absent keys, which callers turn into defaults or "missing" problems.
struct ConfigTableReader {
    let table: TOMLTable
    /// How problems name this table: empty for the root, `daemon`, `target[web]`, `target[#2].restart`.
    var name: String
    /// Where the table is in the source map: `[]`, `["daemon"]`, `["target", "1", "restart"]`.
    let path: [String]
    let sourceMap: ConfigSourceMap

    // MARK: Naming and placing problems

    /// The problem name of `key` in this table (`target[web].exec`), or of the table itself for `nil`.
    func displayKey(_ key: String?) -> String {
        guard let key else { return name }
        let shown = Self.isBareKey(key) ? key : "\"\(key)\""
        return name.isEmpty ? shown : name + "." + shown
    }

    /// The line of `key` in this table, falling back to the nearest enclosing key or table that has one.
    func line(_ key: String?) -> Int? {
        sourceMap.line(of: key.map { path + [$0] } ?? path)
    }

    func problem(_ key: String?, _ message: String) -> ConfigProblem {
        ConfigProblem(line: line(key), key: displayKey(key), message: message)
    }

    /// A reader for the table under `key`, named and placed below this one.
    func child(_ table: TOMLTable, key: String) -> ConfigTableReader {
        ConfigTableReader(table: table, name: displayKey(key), path: path + [key], sourceMap: sourceMap)
    }

    // MARK: Keys

    /// Reports every key of the table that is not in `known`, with a suggestion when one is a likely typo.
    func checkKeys(known: [String], problems: inout [ConfigProblem]) {
        let list = known.joined(separator: ", ")
        for key in table.keys where !known.contains(key) {
            if let guess = known.first(where: { Self.isLikelyTypo(key, of: $0) }) {
                problems.append(problem(key, "unknown key; did you mean \"\(guess)\"? (known keys: \(list))"))
            } else {
                problems.append(problem(key, "unknown key (known keys: \(list))"))
            }
        }
    }

    func value(_ key: String) -> TOMLValueConvertible? {
        table[key]
    }

    // MARK: Typed getters

    func string(_ key: String, expected: String = "a string", problems: inout [ConfigProblem]) -> String? {
        guard let value = value(key) else { return nil }
        guard let string = value.string else {
            problems.append(mismatch(key, expected: expected, found: value))
            return nil
        }
        return string
    }

    /// A string that must not be empty (`user`, `group`).
    func nonEmptyString(_ key: String, problems: inout [ConfigProblem]) -> String? {
        guard let string = string(key, problems: &problems) else { return nil }
        guard !string.isEmpty else {
            problems.append(problem(key, "must not be empty"))
            return nil
        }
        return string
    }

    func integer(_ key: String, problems: inout [ConfigProblem]) -> Int? {
        guard let value = value(key) else { return nil }
        guard let integer = value.int else {
            problems.append(mismatch(key, expected: "an integer", found: value))
            return nil
        }
        return integer
    }

    func bool(_ key: String, problems: inout [ConfigProblem]) -> Bool? {
        guard let value = value(key) else { return nil }
        guard let bool = value.bool else {
            problems.append(mismatch(key, expected: "true or false", found: value))
            return nil
        }
        return bool
    }

    /// A number: an integer or a floating-point value.
    func number(_ key: String, problems: inout [ConfigProblem]) -> Double? {
        guard let value = value(key) else { return nil }
        if let integer = value.int {
            return Double(integer)
        }
        guard let double = value.double, double.isFinite else {
            problems.append(mismatch(key, expected: "a number", found: value))
            return nil
        }
        return double
    }

    /// A duration string with units (`"30s"`); integers are refused because their unit would be a guess.
    func duration(_ key: String, problems: inout [ConfigProblem]) -> Duration? {
        guard let text = string(key, expected: "a duration string like \"30s\"", problems: &problems) else {
            return nil
        }
        guard let duration = Duration(parsing: text) else {
            problems.append(problem(key, Self.invalidDuration(text)))
            return nil
        }
        return duration
    }

    /// One of the raw values of `Choice`, e.g. a `LogLevel` (`what` is `"log level"`).
    func choice<Choice: RawRepresentable & CaseIterable>(
        _ key: String,
        what: String,
        problems: inout [ConfigProblem]
    ) -> Choice? where Choice.RawValue == String {
        let known = Choice.allCases.map(\.rawValue).joined(separator: ", ")
        guard let text = string(key, expected: "a string (one of \(known))", problems: &problems) else { return nil }
        guard let choice = Choice(rawValue: text) else {
            problems.append(problem(key, "unknown \(what) \"\(text)\" (expected one of: \(known))"))
            return nil
        }
        return choice
    }

    /// The table under `key` (a `[header]` table or an inline `{ … }` one).
    func table(_ key: String, problems: inout [ConfigProblem]) -> ConfigTableReader? {
        guard let value = value(key) else { return nil }
        guard let table = value.table else {
            problems.append(mismatch(key, expected: "a table", found: value))
            return nil
        }
        return child(table, key: key)
    }

    // MARK: Messages

    func mismatch(_ key: String?, expected: String, found value: TOMLValueConvertible) -> ConfigProblem {
        problem(key, "expected \(expected), found \(Self.describe(value))")
    }

    static func invalidDuration(_ text: String) -> String {
        "invalid duration \(quoted(text)) (write a number and a unit: ns, us, ms, s, m, h or d, e.g. \"30s\" or "
            + "\"1m30s\")"
    }

    /// `integer 30`, `string "30"`, `array`, … for "found …" in messages.
    static func describe(_ value: TOMLValueConvertible) -> String {
        switch value.type {
        case .string: "string " + quoted(value.string ?? "")
        case .int: "integer \(value.int ?? 0)"
        case .double: "floating-point number \(value.double ?? 0)"
        case .bool: "boolean \(value.bool ?? false)"
        case .array: "array"
        case .table: "table"
        case .date, .time, .dateTime: "\(value.type) \(value.tomlValue.debugDescription)"
        }
    }

    /// `text` in double quotes, shortened when it is too long to be useful in a one-line message.
    static func quoted(_ text: String) -> String {
        text.count > 60 ? "\"\(text.prefix(57))...\"" : "\"\(text)\""
    }

    private static func isBareKey(_ key: String) -> Bool {
        !key.isEmpty
            && key.unicodeScalars.allSatisfy { scalar in
                ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                    || scalar == "_" || scalar == "-"
            }
    }

    /// True when `key` is one edit (insert, delete, replace, or swap of neighbours) away from `known`.
    private static func isLikelyTypo(_ key: String, of known: String) -> Bool {
        let a = Array(key)
        let b = Array(known)
        guard abs(a.count - b.count) <= 1, a != b else { return false }
        var start = 0
        while start < min(a.count, b.count), a[start] == b[start] {
            start += 1
        }
        let restA = a[start...]
        let restB = b[start...]
        return restA.dropFirst() == restB.dropFirst() || restA.dropFirst() == restB || restA == restB.dropFirst()
            || (restA.count >= 2 && restA.count == restB.count
                && Array(restA.prefix(2).reversed()) == Array(restB.prefix(2))
                && restA.dropFirst(2) == restB.dropFirst(2))
    }
}
