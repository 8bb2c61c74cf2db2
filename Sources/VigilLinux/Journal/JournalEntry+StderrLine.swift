extension JournalEntry {
    /// The entry as one line of text for standard error, ending in `\n`:
    ///
    /// ```
    /// <PRIORITY>IDENTIFIER: MESSAGE NAME=value NAME="value with spaces" … CODE_FILE=… CODE_LINE=… CODE_FUNC=…
    /// ```
    ///
    /// e.g. `<4>vigild: web exited with status 1 MESSAGE_ID=d03c… VIGIL_EVENT=target-exited VIGIL_TARGET=web
    /// CODE_FILE=VigilDaemon/Engine.swift CODE_LINE=88 CODE_FUNC=handleExit(_:)`.
    ///
    /// - The `<N>` prefix is the syslog priority in the form systemd parses on a service's stderr
    ///   (`SyslogLevelPrefix=yes`, the default), so even the fallback keeps the priority when stderr is itself
    ///   connected to the journal. `IDENTIFIER: ` is left out when the identifier is empty.
    /// - Fields follow in `journalFields` order, minus `MESSAGE`, `PRIORITY` and `SYSLOG_IDENTIFIER`, which the
    ///   prefix already shows.
    /// - A value is written bare unless it is empty or contains a space, `"`, `\` or a control character; then it
    ///   is quoted, with `\\`, `\"`, `\n`, `\r`, `\t` and `\u{HH}` escapes.
    /// - In the message, control characters are escaped the same way (a newline becomes `\n`) but nothing is
    ///   quoted, so the line stays readable and is always exactly one line.
    public var stderrLine: String {
        var line = "<\(priority)>"
        if !identifier.isEmpty {
            line += identifier + ": "
        }
        line += Self.escapingControlCharacters(message, escapeQuotes: false)
        for field in journalFields where !Self.prefixFields.contains(field.name) {
            line += " " + field.name + "=" + Self.quotedIfNeeded(field.value)
        }
        line += "\n"
        return line
    }

    private static let prefixFields: Set<String> = ["MESSAGE", "PRIORITY", "SYSLOG_IDENTIFIER"]

    /// Quotes a field value when it would otherwise be ambiguous or span lines.
    static func quotedIfNeeded(_ value: String) -> String {
        let needsQuotes =
            value.isEmpty
            || value.unicodeScalars.contains { scalar in
                scalar == " " || scalar == "\"" || scalar == "\\" || isControl(scalar)
            }
        guard needsQuotes else {
            return value
        }
        return "\"" + escapingControlCharacters(value, escapeQuotes: true) + "\""
    }

    private static func escapingControlCharacters(_ text: String, escapeQuotes: Bool) -> String {
        var result = ""
        result.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "\\" where escapeQuotes: result += "\\\\"
            case "\"" where escapeQuotes: result += "\\\""
            case _ where isControl(scalar):
                result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// C0 controls, DEL, the C1 controls and the Unicode line and paragraph separators: U+0085, U+2028 and
    /// U+2029 are line breaks to some terminals and tools, and the line must stay one line.
    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar == "\u{2028}" || scalar == "\u{2029}"
    }
}
