import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A raw stream client for hostile-client tests: it writes with `MSG_NOSIGNAL` (a server that hung up is a result,
/// not a SIGPIPE that kills the test runner), can hang up at any moment, read slowly or not at all, and never
/// blocks longer than its timeouts.
public final class StreamClient {
    public private(set) var fd: Int32

    /// Connects to a unix stream socket.
    /// - Parameters:
    ///   - path: the socket's path.
    ///   - receiveBuffer: `SO_RCVBUF` to set before connecting (a slow reader's small window).
    ///   - timeout: the send and receive timeout of every call.
    /// - Throws: `ControlProbeError` naming the path when `socket` or `connect` fails.
    public init(unixPath path: String, receiveBuffer: Int32? = nil, timeout: Duration = .seconds(10)) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        Self.configure(fd, receiveBuffer: receiveBuffer, timeout: timeout)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        try check(result, "connect \(path)")
    }

    /// Connects to a TCP port on the IPv4 loopback.
    /// - Throws: `ControlProbeError` naming the port when `socket` or `connect` fails.
    public init(tcpPort port: UInt16, receiveBuffer: Int32? = nil, timeout: Duration = .seconds(10)) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        Self.configure(fd, receiveBuffer: receiveBuffer, timeout: timeout)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        try check(result, "connect 127.0.0.1:\(port)")
    }

    deinit {
        close()
    }

    private func check(_ result: Int32, _ what: String) throws {
        guard result == 0 else {
            let code = errno
            close()
            throw ControlProbeError(message: "\(what): \(String(cString: strerror(code)))")
        }
    }

    private static func configure(_ fd: Int32, receiveBuffer: Int32?, timeout: Duration) {
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        let (seconds, attoseconds) = timeout.components
        var value = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Sends all of `bytes` (or as much as the server takes before it hangs up or the send timeout passes).
    /// - Returns: whether everything was sent.
    @discardableResult
    public func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count, fd >= 0 {
            let sent = bytes.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent < 0 && errno == EINTR { continue }
            guard sent > 0 else { return false }
            offset += sent
        }
        return offset == bytes.count
    }

    /// Sends `bytes` in pieces of at most `chunk` bytes, pausing `pause` between them.
    /// - Returns: whether everything was sent.
    @discardableResult
    public func send(_ bytes: [UInt8], inPiecesOf chunk: Int, pause: Duration) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + max(chunk, 1), bytes.count)
            guard send(Array(bytes[offset..<end])) else { return false }
            offset = end
            if offset < bytes.count {
                Self.sleep(pause)
            }
        }
        return true
    }

    /// Reads up to `limit` bytes in one call: empty at end of stream, on an error or after the receive timeout.
    public func receive(limit: Int = 65_536) -> [UInt8] {
        guard fd >= 0 else { return [] }
        var buffer = [UInt8](repeating: 0, count: limit)
        while true {
            let count = recv(fd, &buffer, limit, 0)
            if count < 0 && errno == EINTR { continue }
            return count > 0 ? Array(buffer[0..<count]) : []
        }
    }

    /// Reads until the first newline (included) or until the stream ends, at most `limit` bytes.
    public func receiveLine(limit: Int = 4 << 20) -> [UInt8] {
        var line: [UInt8] = []
        while line.count < limit {
            let piece = receive(limit: 1)
            guard let byte = piece.first else { break }
            line.append(byte)
            if byte == UInt8(ascii: "\n") { break }
        }
        return line
    }

    /// Reads everything until the server closes (or the receive timeout passes).
    public func receiveAll(limit: Int = 16 << 20) -> [UInt8] {
        var all: [UInt8] = []
        while all.count < limit {
            let piece = receive()
            guard !piece.isEmpty else { break }
            all += piece
        }
        return all
    }

    /// Stops sending: the server sees end of stream, and can still answer.
    public func shutdownWrite() {
        if fd >= 0 {
            shutdown(fd, Int32(SHUT_WR))
        }
    }

    /// Hangs up at once, without reading what the server sent; with `reset`, a TCP connection is reset (RST)
    /// instead of closed in order.
    public func close(reset: Bool = false) {
        guard fd >= 0 else { return }
        if reset {
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        }
        Glibc.close(fd)
        fd = -1
    }

    private static func sleep(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        usleep(UInt32(seconds * 1_000_000 + attoseconds / 1_000_000_000_000))
    }
}
