/// A heartbeat key file that cannot be used, with what to do about it.
public struct HeartbeatKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, for code that reacts to it; `message` is for people.
    public enum Code: String, Sendable, Equatable {
        /// It could not be opened or read (missing, no permission).
        case unreadable
        /// It is a directory, device, FIFO or socket.
        case notRegularFile = "not-regular-file"
        /// Group or others may read or write it.
        case tooOpen = "too-open"
        /// It holds something other than an even number of hex digits.
        case notHex = "not-hex"
        /// It holds fewer than 32 bytes.
        case tooShort = "too-short"
        /// It is larger than any sensible key (4 KiB).
        case tooLong = "too-long"
    }

    public var code: Code
    /// The key file.
    public var path: String
    /// What is wrong and how to fix it, e.g. `mode 0644 is too open; chmod 600 it`.
    public var message: String

    public init(code: Code, path: String, message: String) {
        self.code = code
        self.path = path
        self.message = message
    }

    /// `path: message`.
    public var description: String {
        "\(path): \(message)"
    }
}
