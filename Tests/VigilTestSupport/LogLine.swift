/// One line of vigild's stderr log, parsed: `<4>vigild: message FIELD=value FIELD="quoted value" …`.
public struct LogLine: Sendable, Equatable, CustomStringConvertible {
    public var priority: Int
    public var identifier: String
    public var message: String
    public var fields: [String: String]
    public var raw: String

    /// The event type, `VIGIL_EVENT`.
    public var event: String? { fields["VIGIL_EVENT"] }
    public var target: String? { fields["VIGIL_TARGET"] }
    public var pid: Int32? { fields["VIGIL_PID"].flatMap { Int32($0) } }
    public var description: String { raw }

    /// Parses a line; `nil` when it is not in vigild's format.
    public init?(_ line: String) {
        raw = line
        guard line.first == "<", let close = line.firstIndex(of: ">"),
            let priority = Int(line[line.index(after: line.startIndex)..<close])
        else { return nil }
        self.priority = priority
        var rest = line[line.index(after: close)...]
        if let colon = rest.range(of: ": ") {
            identifier = String(rest[..<colon.lowerBound])
            rest = rest[colon.upperBound...]
        } else {
            identifier = ""
        }
        let tokens = Self.tokens(String(rest))
        // Fields are the trailing run of NAME=value tokens; everything before them is the message.
        var firstField = tokens.count
        while firstField > 0, Self.isField(tokens[firstField - 1].text) {
            firstField -= 1
        }
        message = tokens[..<firstField].map(\.text).joined(separator: " ")
        var fields: [String: String] = [:]
        for token in tokens[firstField...] {
            let text = token.text
            let equals = text.firstIndex(of: "=")!
            fields[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }
        self.fields = fields
    }

    private static func isField(_ text: String) -> Bool {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else { return false }
        return text[..<equals].allSatisfy { $0.isUppercase || $0.isNumber || $0 == "_" }
    }

    /// Splits on spaces outside double quotes, removing the quotes and their escapes.
    private static func tokens(_ text: String) -> [(text: String, quoted: Bool)] {
        var result: [(text: String, quoted: Bool)] = []
        var current = ""
        var inQuotes = false
        var quoted = false
        var escape = false
        for character in text {
            if escape {
                switch character {
                case "n": current.append("\n")
                case "t": current.append("\t")
                case "r": current.append("\r")
                default: current.append(character)
                }
                escape = false
            } else if character == "\\" && inQuotes {
                escape = true
            } else if character == "\"" {
                inQuotes.toggle()
                quoted = true
            } else if character == " " && !inQuotes {
                if !current.isEmpty || quoted {
                    result.append((current, quoted))
                }
                current = ""
                quoted = false
            } else {
                current.append(character)
            }
        }
        if !current.isEmpty || quoted {
            result.append((current, quoted))
        }
        return result
    }
}
