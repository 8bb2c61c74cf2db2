/// Where a libvirt domain writes its guest's serial console, and the last lines of what it wrote: the tail that a
/// `domain-panicked` event carries (the guest kernel's panic message is the last thing it prints).
public enum DomainConsole {
    /// The file the domain logs its console to, from its XML (`virsh dumpxml`): the `<source path=…>` of a
    /// `<serial type='file'>` or `<console type='file'>`, else the `<log file=…>` of any `<serial>` or `<console>`
    /// (a pty or socket console with a log). `nil` when it logs none.
    /// - Parameter xml: the domain's XML.
    public static func logPath(inDomainXML xml: String) -> String? {
        var logged: String?
        for element in ["serial", "console"] {
            var rest = Substring(xml)
            while let open = rest.firstRange(of: "<" + element + " ") ?? rest.firstRange(of: "<" + element + ">") {
                let body = rest[open.lowerBound...]
                let end = body.firstRange(of: "</" + element + ">")?.upperBound ?? body.endIndex
                let text = body[..<end]
                let tag = text[..<(text.firstIndex(of: ">") ?? text.endIndex)]
                if attribute("type", in: tag) == "file", let source = tagText("source", in: text),
                    let path = attribute("path", in: source)
                {
                    return path
                }
                if logged == nil, let log = tagText("log", in: text) {
                    logged = attribute("file", in: log)
                }
                rest = body[end...]
            }
        }
        return logged
    }

    /// What of the console's end a panic event carries, at most `count` lines (a serial console ends its lines
    /// with `\r\n`; empty lines are left out), joined with newlines: from the last `Kernel panic` line on when there
    /// is one (Linux prints it before its trace, which alone can fill the count), else the last lines.
    public static func panicTail(_ text: String, count: Int) -> String {
        let lines = text.split(whereSeparator: \.isNewline)
        if let panic = lines.lastIndex(where: { $0.contains("Kernel panic") }) {
            return lines[panic...].prefix(count).joined(separator: "\n")
        }
        return lines.suffix(count).joined(separator: "\n")
    }

    /// The opening tag `<name …>` inside `text`, up to its `>`.
    private static func tagText(_ name: String, in text: Substring) -> Substring? {
        guard let start = text.firstRange(of: "<" + name + " ") else { return nil }
        let tail = text[start.lowerBound...]
        return tail[..<(tail.firstIndex(of: ">") ?? tail.endIndex)]
    }

    /// An attribute's value in an opening tag, quoted with `'` or `"`, with XML's five entities decoded.
    private static func attribute(_ name: String, in tag: Substring) -> String? {
        for quote in ["'", "\""] {
            guard let start = tag.firstRange(of: " " + name + "=" + quote) else { continue }
            let value = tag[start.upperBound...]
            guard let close = value.firstIndex(of: Character(quote)) else { return nil }
            return String(value[..<close])
                .replacingOccurrences("&lt;", "<").replacingOccurrences("&gt;", ">")
                .replacingOccurrences("&quot;", "\"").replacingOccurrences("&apos;", "'")
                .replacingOccurrences("&amp;", "&")
        }
        return nil
    }
}

extension String {
    /// `replacingOccurrences(of:with:)` without Foundation.
    fileprivate func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        guard contains(target) else { return self }
        var result = ""
        var rest = Substring(self)
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound] + replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
