/// One pressure file: `/proc/pressure/{cpu,memory,io}` or a cgroup's `{cpu,memory,io}.pressure`
/// (Documentation/accounting/psi.rst).
///
/// ```
/// some avg10=0.00 avg60=0.00 avg300=0.00 total=0
/// full avg10=0.00 avg60=0.00 avg300=0.00 total=0
/// ```
/// The `full` line is absent for `cpu` on kernels before 5.13 (and reads all zeros at the system level after).
public struct PressureStall: Sendable, Equatable {
    /// One line; the same shape the metrics snapshot carries, so a source can hand it over untranslated.
    public typealias Line = HostPressure.Stall

    /// Share of time at least one task was stalled.
    public var some: Line
    /// Share of time all non-idle tasks were stalled, when the kernel reports it.
    public var full: Line?

    public init(some: Line, full: Line? = nil) {
        self.some = some
        self.full = full
    }

    /// The value as the metrics snapshot holds it.
    public var resource: HostPressure.Resource {
        HostPressure.Resource(some: some, full: full)
    }

    /// Parses the text of a pressure file. Lines other than `some` and `full` are ignored.
    ///
    /// Works on the UTF-8 bytes without building substrings or dictionaries: vigild reads two pressure files per
    /// watched cgroup every tick, and this parse was the largest single cost at a thousand cgroups.
    /// - Throws: `KernelTextError` when the `some` line is missing or a line lacks a number it needs.
    public static func parse(_ text: String) throws(KernelTextError) -> PressureStall {
        try KernelBytes.withBytes(of: text, parse(bytes:))
    }

    /// Parses the bytes of a pressure file as read (see `parse(_:)`).
    /// - Throws: `KernelTextError` when the `some` line is missing or a line lacks a number it needs.
    public static func parse(bytes: UnsafeRawBufferPointer) throws(KernelTextError) -> PressureStall {
        var some: Line?
        var full: Line?
        var scanner = LineScanner()
        var lineNumber = 1
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                if let (kind, line) = try scanner.finish(line: lineNumber) {
                    if kind == .some { some = line } else { full = line }
                }
                lineNumber += 1
            } else {
                scanner.take(byte)
            }
        }
        if let (kind, line) = try scanner.finish(line: lineNumber) {
            if kind == .some { some = line } else { full = line }
        }
        guard let some else {
            throw KernelTextError(file: .pressure, message: "no 'some' line")
        }
        return PressureStall(some: some, full: full)
    }
}

/// Reads one line of a pressure file byte by byte: `some avg10=1.50 avg60=0.20 avg300=0.00 total=12345`.
private struct LineScanner {
    enum Kind { case some, full }

    private var kind: Kind?
    private var ignored = false
    private var field = 0
    private var key: UInt64 = 0
    private var inValue = false
    private var whole: UInt64 = 0
    private var fraction: UInt64 = 0
    private var fractionDigits = 0
    private var digits = 0
    private var valid = true
    private var avg10: Double?
    private var avg60: Double?
    private var avg300: Double?
    private var total: UInt64?
    private var word: UInt64 = 0

    /// Keys packed into an integer (up to 8 bytes), compared without building strings.
    static func pack(_ text: StaticString) -> UInt64 {
        var value: UInt64 = 0
        text.withUTF8Buffer { for byte in $0 { value = value << 8 | UInt64(byte) } }
        return value
    }
    static let someKey = pack("some")
    static let fullKey = pack("full")
    static let avg10Key = pack("avg10")
    static let avg60Key = pack("avg60")
    static let avg300Key = pack("avg300")
    static let totalKey = pack("total")

    mutating func take(_ byte: UInt8) {
        guard !ignored else { return }
        if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
            endField()
            return
        }
        if field == 0 {
            word = word << 8 | UInt64(byte)
        } else if !inValue {
            if byte == UInt8(ascii: "=") {
                inValue = true
            } else {
                key = key << 8 | UInt64(byte)
            }
        } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
            let digit = UInt64(byte - UInt8(ascii: "0"))
            if fractionDigits > 0 {
                if fractionDigits < 10 {
                    fraction = fraction * 10 + digit
                    fractionDigits += 1
                }
            } else {
                let (product, overflow) = whole.multipliedReportingOverflow(by: 10)
                valid = valid && !overflow
                whole = product &+ digit
            }
            digits += 1
        } else if byte == UInt8(ascii: "."), fractionDigits == 0 {
            fractionDigits = 1
        } else {
            valid = false
        }
    }

    private mutating func endField() {
        if field == 0 {
            guard word != 0 else { return }
            switch word {
            case Self.someKey: kind = .some
            case Self.fullKey: kind = .full
            default: ignored = true
            }
            field = 1
            return
        }
        if inValue, digits > 0, valid {
            if key == Self.totalKey, fractionDigits == 0 {
                total = whole
            } else if key == Self.avg10Key || key == Self.avg60Key || key == Self.avg300Key {
                var value = Double(whole)
                if fractionDigits > 1 {
                    var scale = 1.0
                    for _ in 1..<fractionDigits { scale *= 10 }
                    value += Double(fraction) / scale
                }
                switch key {
                case Self.avg10Key: avg10 = value
                case Self.avg60Key: avg60 = value
                default: avg300 = value
                }
            }
        }
        key = 0
        inValue = false
        whole = 0
        fraction = 0
        fractionDigits = 0
        digits = 0
        valid = true
    }

    /// Ends the line: its kind and figures, or `nil` for a line of another kind (or an empty one).
    mutating func finish(line: Int) throws(KernelTextError) -> (Kind, PressureStall.Line)? {
        endField()
        defer { self = LineScanner() }
        guard let kind, !ignored else { return nil }
        guard let avg10 else { throw KernelTextError(file: .pressure, line: line, message: "missing or invalid avg10") }
        guard let avg60 else { throw KernelTextError(file: .pressure, line: line, message: "missing or invalid avg60") }
        guard let avg300 else {
            throw KernelTextError(file: .pressure, line: line, message: "missing or invalid avg300")
        }
        guard let total else {
            throw KernelTextError(file: .pressure, line: line, message: "missing or invalid total")
        }
        return (kind, PressureStall.Line(avg10: avg10, avg60: avg60, avg300: avg300, totalMicroseconds: total))
    }
}
