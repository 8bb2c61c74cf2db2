import CLinux
import CSystemd

#if canImport(Glibc)
import Glibc
#endif

/// How a journal entry reaches journald.
///
/// `systemd` (libsystemd's `sd_journal_sendv`) is what the daemon uses. `socket(path:)` speaks the same native
/// protocol to another socket, for a journal namespace (`/run/systemd/journal.NAME/socket`) or to prove in tests
/// what happens when the journal is unreachable.
public struct JournalSender: Sendable {
    private let sendFields: @Sendable ([JournalField]) throws(SystemError) -> Void

    /// - Parameters:
    ///   - send: Delivers one entry's fields, or throws when the entry did not reach the journal.
    public init(_ send: @escaping @Sendable ([JournalField]) throws(SystemError) -> Void) {
        self.sendFields = send
    }

    /// Sends one entry.
    ///
    /// - Parameters:
    ///   - fields: The entry's fields, names already valid.
    /// - Throws: `SystemError` when the entry did not reach the journal.
    public func send(_ fields: [JournalField]) throws(SystemError) {
        try sendFields(fields)
    }

    /// `sd_journal_sendv` to `/run/systemd/journal/socket`. libsystemd keeps one socket for the process and
    /// passes entries too large for a datagram through a memfd, so this is the sender to use in production.
    public static let systemd = JournalSender { fields throws(SystemError) in
        var buffer: [UInt8] = []
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(fields.count)
        for field in fields {
            // sendv takes `NAME=value` items and frames values containing newlines itself.
            let start = buffer.count
            buffer += field.name.utf8
            buffer.append(UInt8(ascii: "="))
            buffer += field.value.utf8
            ranges.append(start..<buffer.count)
        }
        // The stdlib's pointer methods rethrow untyped errors, so the typed error travels out in a Result.
        let outcome = buffer.withUnsafeMutableBytes { bytes in
            var vectors = ranges.map { range in
                iovec(iov_base: bytes.baseAddress! + range.lowerBound, iov_len: range.count)
            }
            return Result { () throws(SystemError) in
                try valueOrNegatedErrno("sd_journal_sendv") {
                    sd_journal_sendv(&vectors, Int32(vectors.count))
                }
            }
        }
        _ = try outcome.get()
    }

    /// The journal's native protocol, one datagram per entry, to the socket at `path`.
    ///
    /// A socket is opened per entry, so a journald restarted in between is picked up. Entries larger than a
    /// datagram can be (the socket's send buffer) fail with `EMSGSIZE` rather than going through a memfd.
    ///
    /// - Parameters:
    ///   - path: The journal socket, e.g. `/run/systemd/journal.NAME/socket`.
    /// - Returns: A sender that throws `SystemError` naming `path` when the socket cannot be reached.
    public static func socket(path: String) -> JournalSender {
        JournalSender { fields throws(SystemError) in
            let datagram = nativeDatagram(fields)
            let fd = try UnixDatagramSocket.connect(to: path)
            defer { close(fd) }
            let outcome = datagram.withUnsafeBytes { bytes in
                Result { () throws(SystemError) in
                    try valueOrErrno("send", path) {
                        Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
                    }
                }
            }
            _ = try outcome.get()
        }
    }

    /// Frames fields as journald's native protocol wants them: `NAME=value\n`, or, for a value containing a
    /// newline, `NAME\n`, the value's length as a little-endian 64-bit integer, the value and `\n`.
    static func nativeDatagram(_ fields: [JournalField]) -> [UInt8] {
        var datagram: [UInt8] = []
        for field in fields {
            datagram += field.name.utf8
            let value = Array(field.value.utf8)
            if value.contains(UInt8(ascii: "\n")) {
                datagram.append(UInt8(ascii: "\n"))
                withUnsafeBytes(of: UInt64(value.count).littleEndian) { datagram += $0 }
            } else {
                datagram.append(UInt8(ascii: "="))
            }
            datagram += value
            datagram.append(UInt8(ascii: "\n"))
        }
        return datagram
    }
}
