import CLinux
import Dispatch
import VigilCore

#if canImport(Glibc)
import Glibc
#endif

/// vigild's control socket: a unix stream socket whose connections each carry one `ControlRequest` (see
/// `docs/control-protocol.md`). Accepting, reading and writing all run on the given queue, never blocking it.
public final class ControlServer: Sendable {
    public let path: String
    private let listener: QueueConfined<Listener>

    /// The accepting source, and whether it is paused for want of descriptors.
    struct Listener {
        var source: (any DispatchSourceRead)?
        var paused = false
    }

    /// Creates the socket (replacing a stale file, refusing one another process still listens on) and starts
    /// accepting.
    /// - Parameters:
    ///   - path: the socket's path; its directory is created 0755 if missing.
    ///   - group: the socket file's group (mode 0660), or `nil` for root only (0600).
    ///   - queue: where everything runs (the engine queue).
    ///   - onRequest: called once per connection with its decoded request.
    /// - Throws: `SystemError` from `socket`, `bind`, `chown`, `chmod` or `listen`.
    public init(
        path: String,
        group: UInt32?,
        queue: DispatchQueue,
        onRequest: @escaping @Sendable (ControlConnection, ControlRequest) -> Void
    ) throws(SystemError) {
        self.path = path
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        guard path.utf8.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw SystemError(call: "bind", subject: path, errno: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        Directories.createParents(of: path)
        let fd = try valueOrErrno("socket", path) {
            socket(
                AF_UNIX,
                Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue),
                0
            )
        }
        do {
            try Self.removeStale(path, address: address)
            try valueOrErrno("bind", path) {
                withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                    }
                }
            }
            try valueOrErrno("chown", path) { chown(path, 0, group ?? 0) }
            try valueOrErrno("chmod", path) { chmod(path, group == nil ? 0o600 : 0o660) }
            try valueOrErrno("listen", path) { listen(fd, 64) }
        } catch {
            Glibc.close(fd)
            throw error
        }
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        let listener = QueueConfined(Listener(source: source), queue: queue)
        self.listener = listener
        source.setEventHandler { @Sendable in
            while true {
                let client: Int32
                do throws(SystemError) {
                    client = try valueOrErrno("accept", path) { vigil_accept(fd) }
                } catch {
                    switch error.errno {
                    case ECONNABORTED: continue
                    case EMFILE, ENFILE, ENOBUFS, ENOMEM: Self.pauseAccepting(listener)
                    default: break  // EAGAIN: nobody else is waiting.
                    }
                    return
                }
                guard let peer = ControlConnection.peer(of: client) else {
                    Glibc.close(client)
                    continue
                }
                _ = ControlConnection(fd: client, peer: peer, queue: queue, onRequest: onRequest)
            }
        }
        source.setCancelHandler { @Sendable in
            Glibc.close(fd)
        }
        source.activate()
    }

    /// Out of descriptors: the waiting client stays in the backlog, and the source would fire again at once and
    /// spin the engine queue. Stop watching for 100 ms instead (the metrics server does the same).
    private static func pauseAccepting(_ listener: QueueConfined<Listener>) {
        guard !listener.value.paused, let source = listener.value.source else { return }
        source.suspend()
        listener.value.paused = true
        listener.queue.asyncAfter(deadline: .now() + .milliseconds(100)) { @Sendable in
            guard listener.value.paused else { return }
            listener.value.paused = false
            listener.value.source?.resume()
        }
    }

    /// A socket file nobody accepts on is left over from a vigild that died: remove it. One that answers belongs to
    /// a running vigild, which must not be cut off.
    private static func removeStale(_ path: String, address: sockaddr_un) throws(SystemError) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            throw SystemError(call: "bind", subject: path, errno: EEXIST)
        }
        let probe = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        defer { Glibc.close(probe) }
        var address = address
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(probe, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if connected == 0 {
            throw SystemError(call: "bind", subject: path, errno: EADDRINUSE)
        }
        unlink(path)
    }

    /// Stops accepting and removes the socket file. Connections already accepted finish. Only on the queue.
    public func cancel() {
        if listener.value.paused {
            // A suspended source would never run its cancel handler (nor close the socket).
            listener.value.source?.resume()
            listener.value.paused = false
        }
        listener.value.source?.cancel()
        listener.value.source = nil
        unlink(path)
    }
}
