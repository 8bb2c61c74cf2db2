/// Single-number files: v1 `memory.usage_in_bytes` and `cpuacct.usage`, EDAC `ce_count`, thermal throttle counts,
/// and SCSI `ioerr_cnt` (written in hex, `0x1f`).
public enum KernelCounter {
    /// Parses one unsigned decimal number, surrounding whitespace allowed.
    /// - Throws: `KernelTextError` when the text is empty or not a number.
    public static func decimal(_ text: String) throws(KernelTextError) -> UInt64 {
        try KernelBytes.withBytes(of: text, decimal(bytes:))
    }

    /// Parses one unsigned decimal number from the bytes read, surrounding whitespace allowed, without building a
    /// string (`memory.current` and `pids.current` are read every tick for every watched cgroup).
    /// - Throws: `KernelTextError` when the bytes are empty or not one number.
    public static func decimal(bytes: UnsafeRawBufferPointer) throws(KernelTextError) -> UInt64 {
        func isSpace(_ byte: UInt8) -> Bool { KernelBytes.isBlank(byte) || byte == UInt8(ascii: "\n") }
        var start = 0
        var end = bytes.count
        while start < end, isSpace(bytes[start]) { start += 1 }
        while end > start, isSpace(bytes[end - 1]) { end -= 1 }
        guard let value = KernelBytes.unsigned(UnsafeRawBufferPointer(rebasing: bytes[start..<end])) else {
            let text = KernelBytes.text(bytes)
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
