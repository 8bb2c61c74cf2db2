#if canImport(Glibc)
import CLinux
import Glibc
#endif

/// Opens `AF_UNIX` datagram sockets connected to a path: the journal's native socket speaks datagrams.
enum UnixDatagramSocket {
    /// A new `SOCK_DGRAM | SOCK_CLOEXEC` socket connected to `path`; the caller closes it.
    ///
    /// - Throws: `SystemError` from `socket` or `connect` naming `path`; `ENAMETOOLONG` when `path` does not fit
    ///   in `sockaddr_un`.
    static func connect(to path: String) throws(SystemError) -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else {
            throw SystemError(call: "connect", subject: path, errno: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { sunPath in
            sunPath.copyBytes(from: pathBytes)
        }
        let fd = try valueOrErrno("socket", path) {
            socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        }
        do {
            try valueOrErrno("connect", path) {
                withUnsafePointer(to: &address) { pointer in
                    pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                    }
                }
            }
        } catch {
            close(fd)
            throw error
        }
        return fd
    }
}
