/// Splitting helpers shared by the kernel text parsers.
enum KernelText {
    /// The non-empty lines of `text`, each with its 1-based line number.
    static func lines(_ text: String) -> [(number: Int, text: Substring)] {
        var result: [(number: Int, text: Substring)] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where !line.allSatisfy({ $0 == " " || $0 == "\t" }) {
            result.append((index + 1, line))
        }
        return result
    }

    /// The fields of a line, split on runs of spaces, tabs and newlines (the kernel pads some columns).
    static func fields(_ line: Substring) -> [Substring] {
        line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
    }

    /// An unsigned decimal integer, or `nil`.
    static func unsigned(_ text: Substring) -> UInt64? {
        UInt64(text)
    }
}

/// A flat-keyed file of `key value` lines (`cgroup.events`, `memory.events`, `cpu.stat`, `memory.oom_control`).
///
/// Keys the caller does not ask for are never looked at, so lines a newer kernel adds (even non-numeric ones)
/// cannot break parsing; a key the caller does ask for must carry an unsigned number.
struct FlatKeyedText {
    private var values: [Substring: (line: Int, value: Substring)] = [:]
    let file: KernelFile

    init(_ text: String, file: KernelFile) {
        self.file = file
        for (number, line) in KernelText.lines(text) {
            let fields = KernelText.fields(line)
            if fields.count == 2, values[fields[0]] == nil {
                values[fields[0]] = (number, fields[1])
            }
        }
    }

    /// Whether any line at all had the `key value` shape.
    var isEmpty: Bool { values.isEmpty }

    /// The value of `key`, or `nil` when the kernel did not write it.
    /// - Throws: `KernelTextError` when the key is there but its value is not an unsigned number.
    func optional(_ key: Substring) throws(KernelTextError) -> UInt64? {
        guard let entry = values[key] else { return nil }
        guard let number = KernelText.unsigned(entry.value) else {
            throw KernelTextError(file: file, line: entry.line, message: "\(key) is not a number: '\(entry.value)'")
        }
        return number
    }

    /// The value of `key`.
    /// - Throws: `KernelTextError` when the key is missing or its value is not an unsigned number.
    func required(_ key: Substring) throws(KernelTextError) -> UInt64 {
        guard let number = try optional(key) else {
            throw KernelTextError(file: file, message: "missing '\(key)'")
        }
        return number
    }
}
