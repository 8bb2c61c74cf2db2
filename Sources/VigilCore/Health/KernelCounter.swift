/// Single-number files: v1 `memory.usage_in_bytes` and `cpuacct.usage`, EDAC `ce_count`, thermal throttle counts,
/// and SCSI `ioerr_cnt` (written in hex, `0x1f`).
public enum KernelCounter {
    /// Parses one unsigned decimal number, surrounding whitespace allowed.
    /// - Throws: `KernelTextError` when the text is empty or not a number.
    public static func decimal(_ text: String) throws(KernelTextError) -> UInt64 {
        let fields = KernelText.fields(Substring(text))
        guard fields.count == 1, let value = KernelText.unsigned(fields[0]) else {
            throw KernelTextError(file: .counter, line: 1, message: "not one number: '\(text.prefix(40))'")
        }
        return value
    }

    /// Parses one unsigned hexadecimal number, with or without `0x`.
    /// - Throws: `KernelTextError` when the text is empty or not a hex number.
    public static func hexadecimal(_ text: String) throws(KernelTextError) -> UInt64 {
        let fields = KernelText.fields(Substring(text))
        guard fields.count == 1 else {
            throw KernelTextError(file: .counter, line: 1, message: "not one number: '\(text.prefix(40))'")
        }
        var digits = fields[0]
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
            digits = digits.dropFirst(2)
        }
        guard !digits.isEmpty, let value = UInt64(digits, radix: 16) else {
            throw KernelTextError(file: .counter, line: 1, message: "not a hex number: '\(fields[0])'")
        }
        return value
    }
}
