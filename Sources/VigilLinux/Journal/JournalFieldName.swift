/// Turns swift-log metadata keys into journal field names.
///
/// journald silently drops fields whose names are not `[A-Z0-9_]+` or that start with `_` (those are trusted
/// fields only journald itself may set), so every key must be mapped before it is sent.
public enum JournalFieldName {
    /// The prefix of every field `vigild` invents, so `journalctl VIGIL_TARGET=web` finds them and they never
    /// collide with systemd's own fields.
    public static let prefix = "VIGIL_"

    /// journald's limit on the length of a field name.
    static let maximumLength = 64

    /// Fields every entry gets from the log call itself; metadata may not replace them, or an entry could carry
    /// two `PRIORITY` values and filters on it would become unreliable.
    public static let reserved: Set<String> = [
        "MESSAGE", "PRIORITY", "SYSLOG_IDENTIFIER", "CODE_FILE", "CODE_LINE", "CODE_FUNC",
    ]

    /// Whether `name` can be sent to journald as it is.
    ///
    /// - Parameters:
    ///   - name: A candidate field name.
    /// - Returns: `true` for non-empty names of `A`–`Z`, `0`–`9` and `_`, not starting with `_` and at most 64
    ///   bytes long.
    public static func isValid(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= maximumLength, bytes[0] != UInt8(ascii: "_") else {
            return false
        }
        return bytes.allSatisfy(isFieldByte)
    }

    /// The journal field name for a metadata key.
    ///
    /// Keys that already are valid field names (`MESSAGE_ID`, `VIGIL_TARGET`, `ERRNO`) pass through, so code that
    /// knows the journal can set systemd's well-known fields. Any other key is upper-cased, every byte outside
    /// `[A-Z0-9_]` becomes `_`, leading underscores are dropped and the result gets the `VIGIL_` prefix:
    /// `error` → `VIGIL_ERROR`, `exit-code` → `VIGIL_EXIT_CODE`, `_pid` → `VIGIL_PID`. A key naming one of the
    /// `reserved` fields is prefixed too (`PRIORITY` → `VIGIL_PRIORITY`).
    ///
    /// - Parameters:
    ///   - key: A swift-log metadata key.
    /// - Returns: A name for which `isValid` holds.
    public static func forMetadataKey(_ key: String) -> String {
        if isValid(key) {
            return reserved.contains(key) ? prefix + key : key
        }
        var bytes = key.uppercased().utf8.map { isFieldByte($0) ? $0 : UInt8(ascii: "_") }
        bytes = Array(bytes.drop { $0 == UInt8(ascii: "_") })
        if bytes.isEmpty {
            // A key of nothing but punctuation still deserves a field rather than being dropped.
            bytes = Array("KEY".utf8)
        }
        let name = prefix + String(decoding: bytes, as: UTF8.self)
        return String(name.prefix(maximumLength))
    }

    private static func isFieldByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"): true
        default: false
        }
    }
}
