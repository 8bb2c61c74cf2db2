import Crypto
import VigilCore

#if canImport(Glibc)
import Glibc
#endif

/// Heartbeat keys: one HMAC-SHA256 key per target, shared by vigild and the target's sender, kept in a file as
/// hex (`vigilctl heartbeat --generate-key > web.key`).
public enum HeartbeatKey {
    /// 32 bytes, the size of SHA-256's output: a shorter HMAC key would be the weakest link.
    public static let minimumByteCount = 32
    /// Larger files are refused rather than read: a key file is a line of hex, not a log.
    public static let maximumFileSize = 4_096

    /// Reads the key in `path`.
    ///
    /// The file must be a regular file (symbolic links to one are followed) that neither group nor others may
    /// read or write (mode 0600 or stricter), as OpenSSH insists for private keys: a key others can read
    /// authenticates nothing. The mode is checked on the opened descriptor, so the file cannot be swapped in
    /// between.
    /// - Parameter path: The key file.
    /// - Throws: `HeartbeatKeyError` naming `path`: unreadable, not a regular file, mode too open, not hex, or
    ///   shorter than 32 bytes.
    public static func load(path: String) throws(HeartbeatKeyError) -> SymmetricKey {
        let fd: Int32
        do {
            // O_NONBLOCK: opening a FIFO must not hang before fstat can refuse it.
            fd = try valueOrErrno("open", path) { open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK) }
        } catch {
            throw HeartbeatKeyError(code: .unreadable, path: path, message: "cannot open: \(error.reason)")
        }
        defer { close(fd) }
        var status = stat()
        do {
            try valueOrErrno("fstat", path) { fstat(fd, &status) }
        } catch {
            throw HeartbeatKeyError(code: .unreadable, path: path, message: "cannot stat: \(error.reason)")
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw HeartbeatKeyError(code: .notRegularFile, path: path, message: "not a regular file")
        }
        guard status.st_mode & 0o077 == 0 else {
            let mode = String(status.st_mode & 0o7777, radix: 8)
            let padded = String(repeating: "0", count: max(0, 4 - mode.count)) + mode
            throw HeartbeatKeyError(
                code: .tooOpen,
                path: path,
                message: "mode \(padded) is too open; chmod 600 it"
            )
        }
        return try parse(hex: try read(fd, path: path), path: path)
    }

    /// The key written as hex in `text`: surrounding whitespace is ignored, either case is accepted.
    /// - Parameters:
    ///   - text: The file's contents.
    ///   - path: The file, for the error.
    /// - Throws: `HeartbeatKeyError` when `text` is not hex or holds fewer than 32 bytes.
    public static func parse(hex text: String, path: String) throws(HeartbeatKeyError) -> SymmetricKey {
        let digits = Array(text.utf8.drop(while: isSpace).reversed().drop(while: isSpace).reversed())
        guard digits.count % 2 == 0 else {
            throw HeartbeatKeyError(code: .notHex, path: path, message: "odd number of hex digits")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else {
                throw HeartbeatKeyError(
                    code: .notHex,
                    path: path,
                    message: "not a hex key (only 0-9 and a-f expected); "
                        + "make one with `vigilctl heartbeat --generate-key`"
                )
            }
            bytes.append(high << 4 | low)
            index += 2
        }
        guard bytes.count >= minimumByteCount else {
            throw HeartbeatKeyError(
                code: .tooShort,
                path: path,
                message: "key is \(bytes.count) bytes, at least \(minimumByteCount) needed (64 hex digits); "
                    + "make one with `vigilctl heartbeat --generate-key`"
            )
        }
        return SymmetricKey(data: bytes)
    }

    /// A new random 32-byte key as 64 lowercase hex digits.
    public static func generate() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { bytes in
            bytes.map { byte in
                let text = String(byte, radix: 16)
                return byte < 16 ? "0" + text : text
            }.joined()
        }
    }

    private static func read(_ fd: Int32, path: String) throws(HeartbeatKeyError) -> String {
        var buffer = [UInt8](repeating: 0, count: maximumFileSize + 1)
        var filled = 0
        while filled < buffer.count {
            let count: Int
            do {
                count = try valueOrErrno("read", path) {
                    buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + filled, $0.count - filled) }
                }
            } catch {
                throw HeartbeatKeyError(code: .unreadable, path: path, message: "cannot read: \(error.reason)")
            }
            if count == 0 {
                break
            }
            filled += count
        }
        guard filled <= maximumFileSize else {
            throw HeartbeatKeyError(
                code: .tooLong,
                path: path,
                message: "larger than \(maximumFileSize) bytes; a key file holds one line of hex"
            )
        }
        return String(decoding: buffer[..<filled], as: UTF8.self)
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
