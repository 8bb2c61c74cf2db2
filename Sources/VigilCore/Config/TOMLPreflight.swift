/// What the TOML parser under TOMLKit (toml++ 3.4) mishandles instead of reporting, found before it sees the text.
///
/// - A NUL byte: the text goes to toml++ as a C string, so everything after it silently vanished and a damaged
///   file could pass as a valid one with fewer targets.
/// - A table header without a name (`[`, `[[ =`, `[.a]`, `[#`): toml++ asserts that a header's name starts with a
///   key character or a quote, so a debug build aborts (`vigild --check-config` killed by SIGABRT, found by the
///   configuration fuzz test) and in a release build the assertion becomes an optimizer assumption.
///
/// The scan follows TOML's lexical rules (strings, comments, arrays and inline tables spanning lines) only as far
/// as needed to know where a statement begins; past anything else that is invalid toml++ stops first and says why.
enum TOMLPreflight {
    /// The first such problem, as a syntax problem on its line.
    static func problem(in text: String) -> ConfigProblem? {
        let bytes = Array(text.utf8)
        var scanner = Scanner(bytes: bytes)
        if let nul = bytes.firstIndex(of: 0) {
            let line = bytes[..<nul].count { $0 == UInt8(ascii: "\n") } + 1
            let lineStart = bytes[..<nul].lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
            return ConfigProblem(
                line: line,
                key: ConfigParser.syntaxKey,
                message: "invalid TOML at column \(nul - lineStart + 1): a NUL byte (the file is binary or damaged)"
            )
        }
        guard let (line, column) = scanner.run() else { return nil }
        return ConfigProblem(
            line: line,
            key: ConfigParser.syntaxKey,
            message: "invalid TOML at column \(column): a table header needs a name after '[' or '[['"
        )
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0
        var line = 1
        var lineStart = 0
        /// Open `[` and `{` of the value being read: a statement begins only at depth 0.
        var depth = 0

        init(bytes: [UInt8]) {
            self.bytes = bytes
        }

        mutating func run() -> (line: Int, column: Int)? {
            var atStatementStart = true
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\n") {
                    newline()
                    atStatementStart = depth == 0
                    continue
                }
                if atStatementStart {
                    if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r") {
                        index += 1
                        continue
                    }
                    atStatementStart = false
                    if byte == UInt8(ascii: "[") {
                        if let column = namelessHeaderColumn() {
                            return (line, column)
                        }
                        skipToEndOfLine()
                        continue
                    }
                }
                switch byte {
                case UInt8(ascii: "#"): skipToEndOfLine()
                case UInt8(ascii: "\""), UInt8(ascii: "'"): skipString(quote: byte)
                case UInt8(ascii: "["), UInt8(ascii: "{"):
                    depth += 1
                    index += 1
                case UInt8(ascii: "]"), UInt8(ascii: "}"):
                    depth = max(0, depth - 1)
                    index += 1
                default: index += 1
                }
            }
            return nil
        }

        /// At a header's `[`: the column of what stands where its name should begin, when that cannot begin one.
        func namelessHeaderColumn() -> Int? {
            var next = index + 1
            if next < bytes.count, bytes[next] == UInt8(ascii: "[") {
                next += 1
            }
            while next < bytes.count, bytes[next] == UInt8(ascii: " ") || bytes[next] == UInt8(ascii: "\t") {
                next += 1
            }
            // At the end of the file the parser reports the missing name itself.
            guard next < bytes.count else { return nil }
            let first = bytes[next]
            let startsName =
                (first >= UInt8(ascii: "a") && first <= UInt8(ascii: "z"))
                || (first >= UInt8(ascii: "A") && first <= UInt8(ascii: "Z"))
                || (first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9"))
                || first == UInt8(ascii: "_") || first == UInt8(ascii: "-") || first == UInt8(ascii: "\"")
                || first == UInt8(ascii: "'") || first == UInt8(ascii: "]")
            return startsName ? nil : next - lineStart + 1
        }

        mutating func newline() {
            index += 1
            line += 1
            lineStart = index
        }

        mutating func skipToEndOfLine() {
            while index < bytes.count, bytes[index] != UInt8(ascii: "\n") {
                index += 1
            }
        }

        /// Past a basic (`"`, with escapes) or literal (`'`) string, single-line or multi-line (tripled quotes).
        mutating func skipString(quote: UInt8) {
            let escapes = quote == UInt8(ascii: "\"")
            let multiline = index + 2 < bytes.count && bytes[index + 1] == quote && bytes[index + 2] == quote
            index += multiline ? 3 : 1
            while index < bytes.count {
                let byte = bytes[index]
                if escapes && byte == UInt8(ascii: "\\") {
                    index += 1
                    if index < bytes.count, bytes[index] == UInt8(ascii: "\n") {
                        newline()
                    } else {
                        index += 1
                    }
                    continue
                }
                if byte == UInt8(ascii: "\n") {
                    // A single-line string ends at the line's end (unterminated: the parser says so).
                    guard multiline else { return }
                    newline()
                    continue
                }
                if byte == quote {
                    if !multiline {
                        index += 1
                        return
                    }
                    if index + 2 < bytes.count, bytes[index + 1] == quote, bytes[index + 2] == quote {
                        index += 3
                        // Up to two more quotes belong to the content: `""""""` ends with the last three.
                        while index < bytes.count, bytes[index] == quote {
                            index += 1
                        }
                        return
                    }
                }
                index += 1
            }
        }
    }
}
