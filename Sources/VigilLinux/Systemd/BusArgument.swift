import CSystemd

/// A basic value appended to a D-Bus method call.
enum BusArgument: Sendable, Equatable {
    case string(String)
    case objectPath(String)
    case int32(Int32)
    case uint32(UInt32)

    /// Appends the value to `message`; returns sd-bus's result (negative errno on failure).
    func append(to message: OpaquePointer) -> Int32 {
        switch self {
        case .string(let text):
            text.withCString { sd_bus_message_append_basic(message, BusType.string, $0) }
        case .objectPath(let text):
            text.withCString { sd_bus_message_append_basic(message, BusType.objectPath, $0) }
        case .int32(let value):
            withUnsafePointer(to: value) { sd_bus_message_append_basic(message, BusType.int32, $0) }
        case .uint32(let value):
            withUnsafePointer(to: value) { sd_bus_message_append_basic(message, BusType.uint32, $0) }
        }
    }
}

/// D-Bus type codes, as sd-bus takes them.
enum BusType {
    static let string = CChar(UInt8(ascii: "s"))
    static let objectPath = CChar(UInt8(ascii: "o"))
    static let int32 = CChar(UInt8(ascii: "i"))
    static let uint32 = CChar(UInt8(ascii: "u"))
    static let variant = CChar(UInt8(ascii: "v"))
    static let array = CChar(UInt8(ascii: "a"))
    static let dictEntry = CChar(UInt8(ascii: "e"))
}

/// Reading a received message (only inside a handler, on the bus queue).
struct BusMessage {
    let pointer: OpaquePointer

    /// The error a method reply carries, if it is one.
    var error: (name: String?, message: String)? {
        guard sd_bus_message_is_method_error(pointer, nil) > 0, let error = sd_bus_message_get_error(pointer) else {
            return nil
        }
        let name = error.pointee.name.map { String(cString: $0) }
        let message = error.pointee.message.map { String(cString: $0) } ?? name ?? "unknown D-Bus error"
        return (name, message)
    }

    /// Reads a string-like basic value (`s` or `o`).
    func readString(_ type: CChar = BusType.string) -> String? {
        var value: UnsafePointer<CChar>?
        guard sd_bus_message_read_basic(pointer, type, &value) > 0, let value else { return nil }
        return String(cString: value)
    }

    func readUInt32() -> UInt32? {
        var value: UInt32 = 0
        return sd_bus_message_read_basic(pointer, BusType.uint32, &value) > 0 ? value : nil
    }

    /// Reads a variant holding a `u`; skips (and answers `nil` for) a variant of any other type.
    func readUInt32Variant() -> UInt32? {
        readVariant("u") { readUInt32() }
    }

    /// Reads a variant holding a string; skips (and answers `nil` for) a variant of any other type.
    func readStringVariant() -> String? {
        readVariant("s") { readString() }
    }

    /// Reads a variant whose contents have `signature` with `read`; skips (and answers `nil` for) a variant of any
    /// other type.
    private func readVariant<Value>(_ signature: String, _ read: () -> Value?) -> Value? {
        var type: CChar = 0
        var contents: UnsafePointer<CChar>?
        guard sd_bus_message_peek_type(pointer, &type, &contents) > 0, type == BusType.variant,
            let contents, String(cString: contents) == signature
        else {
            _ = sd_bus_message_skip(pointer, "v")
            return nil
        }
        guard sd_bus_message_enter_container(pointer, BusType.variant, signature) > 0 else { return nil }
        defer { _ = sd_bus_message_exit_container(pointer) }
        return read()
    }

    /// Reads an `a{sv}` dictionary, keeping the string values of `keys`.
    func readStringProperties(_ keys: Set<String>) -> [String: String] {
        var result: [String: String] = [:]
        guard sd_bus_message_enter_container(pointer, BusType.array, "{sv}") > 0 else { return result }
        while sd_bus_message_enter_container(pointer, BusType.dictEntry, "sv") > 0 {
            if let key = readString(), keys.contains(key) {
                if let value = readStringVariant() {
                    result[key] = value
                }
            } else {
                _ = sd_bus_message_skip(pointer, "v")
            }
            _ = sd_bus_message_exit_container(pointer)
        }
        _ = sd_bus_message_exit_container(pointer)
        return result
    }
}
