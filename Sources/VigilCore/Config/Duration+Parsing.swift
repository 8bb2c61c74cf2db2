extension Duration {
    /// The units a configuration may write after a number, with their length in nanoseconds.
    static let parsingUnits: [String: Int128] = [
        "ns": 1,
        "us": 1_000,
        "ms": 1_000_000,
        "s": 1_000_000_000,
        "m": 60_000_000_000,
        "h": 3_600_000_000_000,
        "d": 86_400_000_000_000,
    ]

    /// Parses a duration as written in the configuration: `"250ms"`, `"1.5s"`, `"1m30s"`, `"2h"`, or `"0"`.
    ///
    /// Each part is a decimal number (digits, optionally followed by `.` and more digits) and a unit: `ns`, `us`,
    /// `ms`, `s`, `m`, `h` or `d`. Parts add up, so `"1h30m"` is 90 minutes. Units are mandatory: a bare number is
    /// rejected (is `30` seconds or milliseconds?) except `"0"`, which means the same in every unit. Negative values,
    /// signs, spaces and empty strings are rejected. The result has nanosecond precision (finer fractions are cut off)
    /// and must fit in 64 bits of nanoseconds (about 292 years).
    ///
    /// - Parameter text: The duration as written, without surrounding quotes.
    public init?(parsing text: String) {
        if text == "0" {
            self = .zero
            return
        }
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return nil }
        var total: Int128 = 0
        var index = 0
        while index < bytes.count {
            guard let part = Self.parsePart(bytes, from: &index) else { return nil }
            total += part
            guard total <= Int128(Int64.max) else { return nil }
        }
        self = .nanoseconds(Int64(total))
    }

    /// One `NUMBER UNIT` part starting at `index`, in nanoseconds; advances `index` past it.
    private static func parsePart(_ bytes: [UInt8], from index: inout Int) -> Int128? {
        let whole = digits(bytes, from: &index)
        guard !whole.isEmpty, whole.count <= 19 else { return nil }
        var fraction: [UInt8] = []
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            fraction = digits(bytes, from: &index)
            guard !fraction.isEmpty else { return nil }
        }
        let unitStart = index
        while index < bytes.count, isLetter(bytes[index]) {
            index += 1
        }
        let unitName = String(decoding: bytes[unitStart..<index], as: UTF8.self)
        guard let unit = parsingUnits[unitName] else { return nil }

        var nanoseconds = value(of: whole) * unit
        // Digits past the 18th cannot change the result by a whole nanosecond, even for days.
        let significant = fraction.prefix(18)
        var scale: Int128 = 1
        for _ in significant {
            scale *= 10
        }
        nanoseconds += value(of: Array(significant)) * unit / scale
        return nanoseconds
    }

    private static func digits(_ bytes: [UInt8], from index: inout Int) -> [UInt8] {
        let start = index
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
            index += 1
        }
        return Array(bytes[start..<index])
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }

    private static func value(of digits: [UInt8]) -> Int128 {
        digits.reduce(0) { $0 * 10 + Int128($1 - UInt8(ascii: "0")) }
    }
}
