import CLinux
import VigilCore

#if canImport(Glibc)
import Glibc
#endif

/// One connection to a unix stream socket that speaks lines: writes whole buffers and reads `\n`-terminated
/// lines, each step bounded by an optional deadline on `CLOCK_MONOTONIC`.
///
/// Not `Sendable`: one thread owns a connection from connect to close.
final class ControlClientSocket {
    /// The longest line accepted; a status of thousands of targets fits, a runaway peer does not exhaust memory.
    static let maximumLineLength = 16 << 20

    let path: String
    private let fd: Int32
    /// Bytes read past the last line handed out.
    private var buffer: [UInt8] = []
    private var endOfStream = false

    /// Connects a `SOCK_STREAM | SOCK_CLOEXEC` socket to `path`.
    /// - Throws: `ControlClientError.Code.unreachable` with the errno's reason.
    init(path: String) throws(ControlClientError) {
        self.path = path
        guard let address = SocketAddress(unixPath: path) else {
            throw .unreachable(path, SystemError(call: "connect", subject: path, errno: ENAMETOOLONG))
        }
        do {
            fd = try valueOrErrno("socket", path) {
                socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            }
        } catch {
            throw .unreachable(path, error)
        }
        do {
            try valueOrErrno("connect", path) { address.withSockaddr { Glibc.connect(fd, $0, $1) } }
        } catch {
            close(fd)
            throw .unreachable(path, error)
        }
    }

    deinit {
        close(fd)
    }

    /// Writes all of `bytes`.
    /// - Throws: `timedOut` when the peer stops reading until `deadline`; `io` for a failed `send` (`MSG_NOSIGNAL`:
    ///   a peer that hung up is an error to report, not a SIGPIPE that kills vigilctl).
    func write(_ bytes: [UInt8], deadline: MonotonicInstant?, timeout: Duration) throws(ControlClientError) {
        var offset = 0
        while offset < bytes.count {
            try wait(for: Int16(POLLOUT), deadline: deadline, timeout: timeout)
            do {
                offset += try valueOrErrno("send", path) {
                    bytes.withUnsafeBytes { buffer in
                        send(fd, buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
                    }
                }
            } catch {
                throw .io(path, error)
            }
        }
    }

    /// The next line without its `\n`, or `nil` once the peer has closed and every line has been read.
    /// - Throws: `timedOut` when no whole line arrives by `deadline`; `closedEarly` when the peer closes in the
    ///   middle of a line; `malformedResponse` for a line longer than `maximumLineLength`; `io` for a failed read.
    func readLine(deadline: MonotonicInstant?, timeout: Duration) throws(ControlClientError) -> [UInt8]? {
        var searched = 0
        while true {
            if let newline = buffer[searched...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                return line
            }
            searched = buffer.count
            if endOfStream {
                if buffer.isEmpty {
                    return nil
                }
                throw .closedEarly(path)
            }
            guard buffer.count <= Self.maximumLineLength else {
                throw .malformed(path, "a line longer than \(Self.maximumLineLength) bytes")
            }
            try wait(for: Int16(POLLIN), deadline: deadline, timeout: timeout)
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let count: Int
            do {
                count = try valueOrErrno("read", path) {
                    chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
                }
            } catch {
                // A server that closes with our request unread resets the connection; to the user that is the
                // same as closing without an answer.
                if error.errno == ECONNRESET {
                    endOfStream = true
                    continue
                }
                throw .io(path, error)
            }
            if count == 0 {
                endOfStream = true
            }
            buffer.append(contentsOf: chunk[..<count])
        }
    }

    /// Blocks until the socket is ready for `events` or `deadline` passes (no deadline: waits as long as it takes).
    private func wait(for events: Int16, deadline: MonotonicInstant?, timeout: Duration) throws(ControlClientError) {
        var descriptor = pollfd(fd: fd, events: events, revents: 0)
        let ready: Int32
        do {
            // The closure recomputes the remaining time, so a retry after EINTR does not restart the full wait.
            ready = try valueOrErrno("poll", path) {
                poll(&descriptor, 1, Self.milliseconds(until: deadline))
            }
        } catch {
            throw .io(path, error)
        }
        if ready == 0 {
            throw .timedOut(path, after: timeout)
        }
    }

    /// Milliseconds from now to `deadline`, rounded up so poll never wakes just before it; -1 (forever) for none.
    private static func milliseconds(until deadline: MonotonicInstant?) -> Int32 {
        guard let deadline else { return -1 }
        let remaining = (deadline - MonotonicClock.now()).nanoseconds
        guard remaining > 0 else { return 0 }
        return Int32(clamping: (remaining + 999_999) / 1_000_000)
    }
}
