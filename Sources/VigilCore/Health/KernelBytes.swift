/// Scanning helpers over the raw bytes of a kernel file, for the files read every tick for every watched cgroup.
///
/// They build no `String`, `Substring` or array: at a thousand cgroups the `String`-based splitting in
/// `KernelText` cost more than the kernel's own work of producing the files.
enum KernelBytes {
    static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }

    /// Calls `body` with each line of exactly two fields (`key value`), its 1-based line number, the key and the
    /// value. Fields are separated by runs of spaces and tabs; other lines are skipped.
    static func forEachKeyValue<Failure: Error>(
        _ bytes: UnsafeRawBufferPointer,
        _ body: (_ line: Int, _ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws(Failure) -> Void
    ) throws(Failure) {
        var line = 1
        var start = 0
        while start <= bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
            var fields: (Range<Int>, Range<Int>) = (0..<0, 0..<0)
            var count = 0
            var index = start
            while index < end {
                while index < end, isBlank(bytes[index]) { index += 1 }
                guard index < end else { break }
                let fieldStart = index
                while index < end, !isBlank(bytes[index]) { index += 1 }
                count += 1
                if count == 1 {
                    fields.0 = fieldStart..<index
                } else if count == 2 {
                    fields.1 = fieldStart..<index
                }
            }
            if count == 2 {
                try body(
                    line,
                    UnsafeRawBufferPointer(rebasing: bytes[fields.0]),
                    UnsafeRawBufferPointer(rebasing: bytes[fields.1])
                )
            }
            line += 1
            start = end + 1
        }
    }

    /// Whether `field` is exactly `key`.
    static func equals(_ field: UnsafeRawBufferPointer, _ key: StaticString) -> Bool {
        guard field.count == key.utf8CodeUnitCount else { return false }
        let wanted = UnsafeRawBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount)
        return field.elementsEqual(wanted)
    }

    /// An unsigned decimal integer made of digits only, or `nil` (empty, another character, or too large).
    static func unsigned(_ field: UnsafeRawBufferPointer) -> UInt64? {
        guard !field.isEmpty else { return nil }
        var value: UInt64 = 0
        for byte in field {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (product, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, carry) = product.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            guard !overflow, !carry else { return nil }
            value = sum
        }
        return value
    }

    /// The bytes as text, for error messages.
    static func text(_ bytes: UnsafeRawBufferPointer) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    /// Runs a byte parser on the UTF-8 of `text`, so that a `String` entry point and a bytes one share one parser.
    static func withBytes<Value, Failure: Error>(
        of text: String,
        _ parse: (UnsafeRawBufferPointer) throws(Failure) -> Value
    ) throws(Failure) -> Value {
        var text = text
        let result = text.withUTF8 { buffer in
            Result { () throws(Failure) in try parse(UnsafeRawBufferPointer(buffer)) }
        }
        return try result.get()
    }
}
