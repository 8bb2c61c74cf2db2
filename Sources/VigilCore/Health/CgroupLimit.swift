/// A cgroup limit: a number, or none at all.
///
/// v2 writes `max` for no limit (`memory.max`, `pids.max`, `memory.high`); v1 writes a huge number instead
/// (`memory.limit_in_bytes` reads `9223372036854771712`, `PAGE_COUNTER_MAX` pages).
public enum CgroupLimit: Sendable, Equatable {
    case unlimited
    case limited(UInt64)

    /// The limit, or `nil` when there is none.
    public var value: UInt64? {
        if case .limited(let value) = self {
            return value
        }
        return nil
    }

    /// v1 values at or above this mean "no limit": `PAGE_COUNTER_MAX` times the page size lands just under 2^63
    /// for every page size, and no real machine has 2^62 bytes of memory.
    public static let v1UnlimitedThreshold: UInt64 = 1 << 62

    /// Parses a v2 single-value limit file (`max` or a number).
    /// - Throws: `KernelTextError` when the text is neither.
    public static func parse(_ text: String) throws(KernelTextError) -> CgroupLimit {
        let fields = KernelText.fields(Substring(text))
        guard fields.count == 1 else {
            throw KernelTextError(file: .limit, line: 1, message: "expected one value, found \(fields.count)")
        }
        if fields[0] == "max" {
            return .unlimited
        }
        guard let value = KernelText.unsigned(fields[0]) else {
            throw KernelTextError(file: .limit, line: 1, message: "not 'max' or a number: '\(fields[0])'")
        }
        return .limited(value)
    }

    /// Parses a v1 limit file (`memory.limit_in_bytes`), where a huge number means unlimited.
    /// - Throws: `KernelTextError` when the text is not one number.
    public static func parseV1(_ text: String) throws(KernelTextError) -> CgroupLimit {
        let value = try KernelCounter.decimal(text)
        return value >= v1UnlimitedThreshold ? .unlimited : .limited(value)
    }
}
