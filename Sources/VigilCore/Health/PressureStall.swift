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
    /// - Throws: `KernelTextError` when the `some` line is missing or a line lacks a number it needs.
    public static func parse(_ text: String) throws(KernelTextError) -> PressureStall {
        var some: Line?
        var full: Line?
        for (number, line) in KernelText.lines(text) {
            let fields = KernelText.fields(line)
            guard let kind = fields.first, kind == "some" || kind == "full" else { continue }
            let parsed = try parseLine(fields.dropFirst(), line: number)
            if kind == "some" {
                some = parsed
            } else {
                full = parsed
            }
        }
        guard let some else {
            throw KernelTextError(file: .pressure, message: "no 'some' line")
        }
        return PressureStall(some: some, full: full)
    }

    private static func parseLine(_ fields: ArraySlice<Substring>, line: Int) throws(KernelTextError) -> Line {
        var values: [Substring: Substring] = [:]
        for field in fields {
            guard let equals = field.firstIndex(of: "=") else { continue }
            values[field[..<equals]] = field[field.index(after: equals)...]
        }
        func average(_ key: Substring) throws(KernelTextError) -> Double {
            guard let text = values[key], let value = Double(text), value >= 0 else {
                throw KernelTextError(file: .pressure, line: line, message: "missing or invalid \(key)")
            }
            return value
        }
        guard let totalText = values["total"], let total = KernelText.unsigned(totalText) else {
            throw KernelTextError(file: .pressure, line: line, message: "missing or invalid total")
        }
        return Line(
            avg10: try average("avg10"),
            avg60: try average("avg60"),
            avg300: try average("avg300"),
            totalMicroseconds: total
        )
    }
}
