/// Where keys of a TOML document start, by key path, so configuration problems can name a line.
///
/// The TOML library keeps no source positions, so this scans the raw text once, crudely but correctly for the files
/// people write: table headers (`[daemon]`, `[[target]]`, `[target.restart]`), `key = value` lines with bare,
/// quoted and dotted keys, comments, and values that span lines (arrays, inline tables, `"""`/`'''` strings).
///
/// A path is the list of keys from the root; an element of an array of tables is addressed by its zero-based index
/// written as a decimal component, so the `burst` of the second `[[target]]` is `["target", "1", "restart",
/// "burst"]`. Keys inside inline tables (`restart = { burst = 0 }`) are not recorded: they resolve to the line of the
/// enclosing key.
public struct ConfigSourceMap: Sendable, Equatable {
    /// First line (1-based) on which each recorded path is defined.
    private var lines: [[String]: Int] = [:]
    /// How many elements each array of tables has so far, by its path.
    private var arrayCounts: [[String]: Int] = [:]

    /// Scans `text`. Never fails: a line it does not understand is skipped.
    public init(text: String) {
        var scanner = ValueScanner()
        var table: [String] = []
        // The path of a multi-line array whose `[` ends its line, and how many of its elements began so far:
        // elements that each start a line (`{ when = … },`) are placed by their own line.
        var openArray: (path: [String], count: Int)?
        // Split bytes, not Characters: "\r\n" is one Character and would hide the line break.
        let rawLines = text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        for (offset, rawLine) in rawLines.enumerated() {
            let bytes = Array(rawLine)
            if scanner.isInsideValue {
                let start = Self.skipSpaces(bytes, from: 0)
                if let array = openArray, scanner.depth == 1, start < bytes.count,
                    bytes[start] != UInt8(ascii: "]"), bytes[start] != UInt8(ascii: "#")
                {
                    record(array.path + [String(array.count)], line: offset + 1)
                    openArray?.count += 1
                }
                scanner.scan(bytes, from: 0)
                if !scanner.isInsideValue {
                    openArray = nil
                }
                continue
            }
            var index = Self.skipSpaces(bytes, from: 0)
            guard index < bytes.count, bytes[index] != UInt8(ascii: "#") else { continue }
            if bytes[index] == UInt8(ascii: "[") {
                let isArray = index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "[")
                index += isArray ? 2 : 1
                guard let keys = Self.parseKey(bytes, from: &index), !keys.isEmpty else { continue }
                table = defineTable(keys, isArray: isArray, line: offset + 1)
                continue
            }
            guard let keys = Self.parseKey(bytes, from: &index), !keys.isEmpty,
                index < bytes.count, bytes[index] == UInt8(ascii: "=")
            else { continue }
            var path = table
            for key in keys {
                path.append(key)
                record(path, line: offset + 1)
            }
            scanner.scan(bytes, from: index + 1)
            let valueStart = Self.skipSpaces(bytes, from: index + 1)
            let afterBracket = Self.skipSpaces(bytes, from: valueStart + 1)
            let bracketEndsLine =
                valueStart < bytes.count && bytes[valueStart] == UInt8(ascii: "[")
                && (afterBracket >= bytes.count || bytes[afterBracket] == UInt8(ascii: "#"))
            openArray = scanner.isInsideValue && bracketEndsLine ? (path, 0) : nil
        }
    }

    /// The line of `path`, or of its longest prefix that has one (the enclosing table or key), or `nil`.
    ///
    /// - Parameter path: Keys from the root, array elements as their zero-based index (`["target", "0", "exec"]`).
    public func line(of path: [String]) -> Int? {
        var prefix = path
        while !prefix.isEmpty {
            if let line = lines[prefix] {
                return line
            }
            prefix.removeLast()
        }
        return nil
    }

    private mutating func record(_ path: [String], line: Int) {
        if lines[path] == nil {
            lines[path] = line
        }
    }

    /// Resolves a header's keys to a path (an array of tables named on the way means its latest element), records
    /// it, and returns the path that following `key = value` lines belong to.
    private mutating func defineTable(_ keys: [String], isArray: Bool, line: Int) -> [String] {
        var path: [String] = []
        for (position, key) in keys.enumerated() {
            path.append(key)
            if isArray && position == keys.count - 1 {
                let index = arrayCounts[path, default: 0]
                arrayCounts[path] = index + 1
                path.append(String(index))
            } else if let count = arrayCounts[path] {
                path.append(String(count - 1))
            }
        }
        record(path, line: line)
        return path
    }

    private static func skipSpaces(_ bytes: [UInt8], from start: Int) -> Int {
        var index = start
        while index < bytes.count, bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\t") {
            index += 1
        }
        return index
    }

    /// Parses a possibly dotted key (`a`, `"a.b"`, `'c'`, `a . "b"`) at `index`; leaves `index` after it and any
    /// spaces that follow. `nil` when there is no key there.
    private static func parseKey(_ bytes: [UInt8], from index: inout Int) -> [String]? {
        var keys: [String] = []
        while true {
            index = skipSpaces(bytes, from: index)
            guard index < bytes.count else { return nil }
            let quote = bytes[index]
            if quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") {
                var key: [UInt8] = []
                index += 1
                while index < bytes.count, bytes[index] != quote {
                    if quote == UInt8(ascii: "\""), bytes[index] == UInt8(ascii: "\\"), index + 1 < bytes.count {
                        index += 1
                    }
                    key.append(bytes[index])
                    index += 1
                }
                guard index < bytes.count else { return nil }
                index += 1
                keys.append(String(decoding: key, as: UTF8.self))
            } else {
                let start = index
                while index < bytes.count, isBareKeyByte(bytes[index]) {
                    index += 1
                }
                guard index > start else { return nil }
                keys.append(String(decoding: bytes[start..<index], as: UTF8.self))
            }
            index = skipSpaces(bytes, from: index)
            guard index < bytes.count, bytes[index] == UInt8(ascii: ".") else { return keys }
            index += 1
        }
    }

    private static func isBareKeyByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
            true
        default:
            false
        }
    }
}

/// Follows a value across lines: open brackets/braces, and multi-line strings, which may contain anything.
private struct ValueScanner {
    private enum MultilineString {
        case basic
        case literal
    }

    private(set) var depth = 0
    private var string: MultilineString?

    /// True while the value begun on an earlier line has not ended yet.
    var isInsideValue: Bool {
        depth > 0 || string != nil
    }

    mutating func scan(_ bytes: [UInt8], from start: Int) {
        var index = start
        while index < bytes.count {
            let byte = bytes[index]
            if let open = string {
                let quote = open == .basic ? UInt8(ascii: "\"") : UInt8(ascii: "'")
                if open == .basic && byte == UInt8(ascii: "\\") {
                    index += 2
                } else if Self.hasTripleQuote(quote, in: bytes, at: index) {
                    string = nil
                    index += 3
                } else {
                    index += 1
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "#"):
                return
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                if Self.hasTripleQuote(byte, in: bytes, at: index) {
                    string = byte == UInt8(ascii: "\"") ? .basic : .literal
                    index += 3
                } else {
                    index = Self.endOfSingleLineString(bytes, from: index)
                }
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                index += 1
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                depth = max(0, depth - 1)
                index += 1
            default:
                index += 1
            }
        }
    }

    private static func hasTripleQuote(_ quote: UInt8, in bytes: [UInt8], at index: Int) -> Bool {
        index + 2 < bytes.count && bytes[index] == quote && bytes[index + 1] == quote && bytes[index + 2] == quote
    }

    /// The index after the closing quote of the string opening at `start` (or the end of the line).
    private static func endOfSingleLineString(_ bytes: [UInt8], from start: Int) -> Int {
        let quote = bytes[start]
        var index = start + 1
        while index < bytes.count, bytes[index] != quote {
            if quote == UInt8(ascii: "\""), bytes[index] == UInt8(ascii: "\\") {
                index += 1
            }
            index += 1
        }
        return index + 1
    }
}
