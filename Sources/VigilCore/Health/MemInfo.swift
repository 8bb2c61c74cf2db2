/// `/proc/meminfo` (Documentation/filesystems/proc.rst), in bytes.
public struct MemInfo: Sendable, Equatable {
    /// `MemTotal`: usable RAM.
    public var total: UInt64
    /// `MemAvailable`: what can be allocated without swapping; `nil` before Linux 3.14.
    public var available: UInt64?
    /// `SwapTotal` and `SwapFree`.
    public var swapTotal: UInt64?
    public var swapFree: UInt64?
    /// Every field by name, in bytes where the kernel gave `kB`, as written otherwise (`HugePages_Total`).
    public var fields: [String: UInt64]

    public init(
        total: UInt64,
        available: UInt64? = nil,
        swapTotal: UInt64? = nil,
        swapFree: UInt64? = nil,
        fields: [String: UInt64] = [:]
    ) {
        self.total = total
        self.available = available
        self.swapTotal = swapTotal
        self.swapFree = swapFree
        self.fields = fields
    }

    /// Parses lines like `MemTotal:       16318460 kB`. Lines without that shape are ignored.
    /// - Throws: `KernelTextError` when `MemTotal` is missing or a field's number is garbled.
    public static func parse(_ text: String) throws(KernelTextError) -> MemInfo {
        var fields: [String: UInt64] = [:]
        for (number, line) in KernelText.lines(text) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = String(line[..<colon])
            let rest = KernelText.fields(line[line.index(after: colon)...])
            guard let valueText = rest.first else { continue }
            guard let value = KernelText.unsigned(valueText) else {
                throw KernelTextError(file: .memInfo, line: number, message: "\(name) is not a number: '\(valueText)'")
            }
            if rest.count > 1, rest[1] == "kB" {
                let (bytes, overflow) = value.multipliedReportingOverflow(by: 1024)
                guard !overflow else {
                    throw KernelTextError(file: .memInfo, line: number, message: "\(name) is out of range")
                }
                fields[name] = bytes
            } else {
                fields[name] = value
            }
        }
        guard let total = fields["MemTotal"] else {
            throw KernelTextError(file: .memInfo, message: "missing MemTotal")
        }
        return MemInfo(
            total: total,
            available: fields["MemAvailable"],
            swapTotal: fields["SwapTotal"],
            swapFree: fields["SwapFree"],
            fields: fields
        )
    }
}
