#if canImport(Glibc)
import CLinux
import Glibc
#endif

/// A bound, non-blocking datagram socket for heartbeats: the plumbing only, no judgement. The engine watches
/// `fileDescriptor` for readability and calls `receive` until it answers `nil`.
///
/// A unix socket is made world-writable (mode 0666) in a directory made 0755 if missing: every packet carries a
/// MAC, which is the authentication, so file permissions need not decide who may send; a target running as any
/// user can then reach vigild without a group to manage. Each datagram carries the sender's pid and uid
/// (`SO_PASSCRED`), which the kernel fills in, for rate limiting and logs.
public final class DatagramListener: Sendable {
    /// Mode of a unix listening socket.
    public static let unixSocketMode: mode_t = 0o666
    /// Mode of the socket's directory when the listener creates it.
    public static let directoryMode: mode_t = 0o755
    /// Asked of the kernel for the socket's receive queue, so a burst waits rather than being dropped; the kernel
    /// caps it at `net.core.rmem_max`.
    public static let receiveBufferSize: Int32 = 1 << 20

    public let endpoint: HeartbeatEndpoint
    public let fileDescriptor: Int32
    /// The UDP port bound: the kernel's choice when the endpoint asked for port 0. `nil` for unix sockets.
    public let port: UInt16?
    /// The socket file created by `bind`, so deinit removes only its own file, not a successor's.
    private let socketFile: (device: UInt, inode: UInt)?

    /// Opens and binds a socket for `endpoint`.
    ///
    /// For a unix socket, a stale socket file left by a process that died is replaced; a socket someone is still
    /// receiving on (`EADDRINUSE`) and a file that is not a socket (`EEXIST`) are left alone and refused.
    /// - Parameter endpoint: Where to listen.
    /// - Throws: `SystemError` from `mkdir`, `socket`, `setsockopt`, `bind` or `chmod`, naming the endpoint.
    public init(endpoint: HeartbeatEndpoint) throws(SystemError) {
        let subject = endpoint.description
        guard let address = endpoint.socketAddress else {
            throw SystemError(call: "bind", subject: subject, errno: EINVAL)
        }
        if case .unix(let path) = endpoint {
            try Self.prepareSocketPath(path)
        }
        let flags = Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let fd = try valueOrErrno("socket", subject) { socket(address.family, flags, 0) }
        do {
            // Best effort: a smaller queue still works, it only absorbs less of a burst.
            try? Self.setOption(fd, SOL_SOCKET, SO_RCVBUF, Self.receiveBufferSize, subject)
            if address.family == AF_UNIX {
                try Self.setOption(fd, SOL_SOCKET, SO_PASSCRED, 1, subject)
            }
            try valueOrErrno("bind", subject) { address.withSockaddr { bind(fd, $0, $1) } }
            var bound: SocketAddress?
            var identity: (device: UInt, inode: UInt)?
            if case .unix(let path) = endpoint {
                try valueOrErrno("chmod", path) { chmod(path, Self.unixSocketMode) }
                var status = stat()
                try valueOrErrno("stat", path) { stat(path, &status) }
                identity = (UInt(status.st_dev), UInt(status.st_ino))
            } else {
                var local = SocketAddress()
                try valueOrErrno("getsockname", subject) {
                    withUnsafeMutablePointer(to: &local.storage) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &local.length) }
                    }
                }
                bound = local
            }
            self.endpoint = endpoint
            self.fileDescriptor = fd
            self.port = bound?.port
            self.socketFile = identity
        } catch {
            close(fd)
            throw error
        }
    }

    deinit {
        close(fileDescriptor)
        if case .unix(let path) = endpoint, let socketFile {
            var status = stat()
            if stat(path, &status) == 0, UInt(status.st_dev) == socketFile.device,
                UInt(status.st_ino) == socketFile.inode
            {
                unlink(path)
            }
        }
    }

    /// Takes the next waiting datagram into `buffer`.
    ///
    /// A datagram larger than `buffer` is cut by the kernel; `ReceivedDatagram.length` still gives its real size
    /// (`MSG_TRUNC`), so the caller can tell and drop it. A buffer of `HeartbeatFrame.maximumSize` bytes is enough
    /// for heartbeats.
    /// - Parameter buffer: Where the datagram's bytes go.
    /// - Returns: The datagram, or `nil` when none is waiting.
    /// - Throws: `SystemError` from `recvmsg` other than `EAGAIN`.
    public func receive(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> ReceivedDatagram? {
        var storage = sockaddr_storage()
        var nameLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        var vector = iovec(iov_base: buffer.baseAddress, iov_len: buffer.count)
        // Room for one SCM_CREDENTIALS message: a 16-byte cmsghdr and a 12-byte ucred, aligned.
        var control: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)
        var controlLength = 0
        let length: Int
        do {
            length = try valueOrErrno("recvmsg", endpoint.description) {
                withUnsafeMutablePointer(to: &storage) { name in
                    withUnsafeMutablePointer(to: &vector) { vectorPointer in
                        withUnsafeMutableBytes(of: &control) { controlBytes in
                            var message = msghdr()
                            message.msg_name = UnsafeMutableRawPointer(name)
                            message.msg_namelen = nameLength
                            message.msg_iov = vectorPointer
                            message.msg_iovlen = 1
                            message.msg_control = controlBytes.baseAddress
                            message.msg_controllen = controlBytes.count
                            let received = recvmsg(fileDescriptor, &message, Int32(MSG_TRUNC))
                            nameLength = message.msg_namelen
                            controlLength = Int(message.msg_controllen)
                            return received
                        }
                    }
                }
            }
        } catch {
            if error.errno == EAGAIN || error.errno == EWOULDBLOCK {
                return nil
            }
            throw error
        }
        let source: DatagramSource
        if case .unix = endpoint {
            source = withUnsafeBytes(of: control) { Self.credentials(in: $0, length: controlLength) }
        } else {
            var address = SocketAddress()
            address.storage = storage
            address.length = nameLength
            source = DatagramSource(address)
        }
        return ReceivedDatagram(count: min(length, buffer.count), length: length, source: source)
    }

    /// The sender's pid and uid from an `SCM_CREDENTIALS` control message.
    private static func credentials(in control: UnsafeRawBufferPointer, length: Int) -> DatagramSource {
        // cmsghdr is { size_t len; int level; int type; } and its data starts at the next size_t boundary
        // (CMSG_DATA); ucred is { pid_t pid; uid_t uid; gid_t gid; }. SCM_CREDENTIALS (2) is hidden behind
        // _GNU_SOURCE in glibc's headers, so it is spelled out here.
        let headerSize = MemoryLayout<cmsghdr>.size
        guard length >= headerSize + 12,
            control.load(fromByteOffset: 0, as: Int.self) >= headerSize + 12,
            control.load(fromByteOffset: MemoryLayout<Int>.size, as: Int32.self) == SOL_SOCKET,
            control.load(fromByteOffset: MemoryLayout<Int>.size + 4, as: Int32.self) == 2
        else {
            return .unknown
        }
        return .unix(
            pid: control.load(fromByteOffset: headerSize, as: Int32.self),
            uid: control.load(fromByteOffset: headerSize + 4, as: UInt32.self)
        )
    }

    private static func setOption(
        _ fd: Int32,
        _ level: Int32,
        _ name: Int32,
        _ value: Int32,
        _ subject: String
    ) throws(SystemError) {
        var value = value
        try valueOrErrno("setsockopt", subject) {
            setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size))
        }
    }

    /// Makes the socket's directory if it is missing and removes a stale socket file.
    private static func prepareSocketPath(_ path: String) throws(SystemError) {
        let directory = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        if !directory.isEmpty {
            do {
                try valueOrErrno("mkdir", directory) { mkdir(directory, directoryMode) }
                // mkdir applies the umask; the documented mode should not depend on it.
                try valueOrErrno("chmod", directory) { chmod(directory, directoryMode) }
            } catch {
                // Already there is fine, with whatever mode its owner chose.
                guard error.errno == EEXIST else { throw error }
            }
        }
        var status = stat()
        do {
            try valueOrErrno("lstat", path) { lstat(path, &status) }
        } catch {
            guard error.errno == ENOENT else { throw error }
            return
        }
        guard status.st_mode & S_IFMT == S_IFSOCK else {
            throw SystemError(call: "bind", subject: path + " (exists and is not a socket)", errno: EEXIST)
        }
        // A datagram socket someone still receives on accepts a connect; a stale one answers ECONNREFUSED.
        if let live = try? UnixDatagramSocket.connect(to: path) {
            close(live)
            throw SystemError(call: "bind", subject: path, errno: EADDRINUSE)
        }
        try valueOrErrno("unlink", path) { unlink(path) }
    }
}
