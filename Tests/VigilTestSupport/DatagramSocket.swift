import Glibc
import VigilLinux

/// A unix datagram socket bound to a fresh path under the temp directory, standing in for systemd's notify
/// socket.
public final class DatagramSocket {
    public let path: String
    public private(set) var fd: Int32

    public init() throws {
        path = "/tmp/vigil-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        fd = try valueOrErrno("socket") {
            socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        try valueOrErrno("bind", path) {
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
        }
    }

    deinit {
        closeKeepingPath()
        unlink(path)
    }

    /// Closes the socket but leaves its file, as a process that died without cleaning up would.
    public func closeKeepingPath() {
        if fd >= 0 {
            close(fd)
            fd = -1
        }
    }

    /// The next datagram, or `nil` when none arrives within `timeoutMilliseconds`.
    public func receive(timeoutMilliseconds: Int32 = 2_000) -> String? {
        var pollFD = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pollFD, 1, timeoutMilliseconds) == 1 else {
            return nil
        }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let count = recv(fd, &buffer, buffer.count, 0)
        guard count >= 0 else {
            return nil
        }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }
}
