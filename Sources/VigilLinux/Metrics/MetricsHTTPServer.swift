import CLinux
import Dispatch
import VigilCore

#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.1 server for Prometheus scrapes: `GET /metrics` answers the exposition text, any other path
/// 404, any other method 405, junk 400; one request per connection (`Connection: close`).
///
/// Everything runs on the queue given at start, usually the engine's, with Dispatch sources: a read source on
/// the listening socket accepts, a read source per connection reads, a write source appears only when the
/// kernel's send buffer is full, and a timer drops a connection that has not finished within `timeout`. Sockets
/// are non-blocking, so neither a client that sends nothing nor one that reads nothing can stall the queue; the
/// metrics provider is called on the queue, where the state it reads lives.
///
/// Call `stop()` to close the socket: the sources' handlers keep the server's state alive until then.
public final class MetricsHTTPServer: Sendable {
    /// How long one connection may take from accept to the last byte sent.
    public static let defaultTimeout: Duration = .seconds(5)
    /// Connections served at once; more are accepted and closed at once, so they fail fast instead of queueing.
    public static let maximumConnections = 16

    /// The address as bound: with the kernel's port when `port` 0 was asked for.
    public let address: MetricsListenAddress
    private let state: QueueConfined<State>

    /// What only the queue touches.
    private final class State {
        let listenFD: Int32
        var acceptSource: (any DispatchSourceRead)?
        var connections: [UInt64: MetricsConnection] = [:]
        var nextID: UInt64 = 0
        var acceptPaused = false
        var stopped = false

        init(listenFD: Int32, acceptSource: any DispatchSourceRead) {
            self.listenFD = listenFD
            self.acceptSource = acceptSource
        }
    }

    /// Binds and listens on `address`, and starts accepting on `queue`.
    /// - Parameters:
    ///   - address: An IP literal and a port; port 0 lets the kernel choose (see `address` for its choice).
    ///   - queue: A serial queue where every handler and `metrics` run.
    ///   - timeout: How long one connection may take, from accept to the last byte of the answer.
    ///   - metrics: The body of `GET /metrics`, usually `PrometheusText.render` of a fresh snapshot.
    /// - Throws: `SystemError` from `socket`, `setsockopt`, `bind` or `listen`, naming the address (`EINVAL` for a
    ///   host that is not an IP literal).
    public init(
        address: MetricsListenAddress,
        queue: DispatchQueue,
        timeout: Duration = MetricsHTTPServer.defaultTimeout,
        metrics: @escaping @Sendable () -> String
    ) throws(SystemError) {
        let subject = address.description
        guard let socketAddress = SocketAddress(host: address.host, port: address.port) else {
            throw SystemError(call: "bind", subject: subject + " (not an IP address)", errno: EINVAL)
        }
        let flags = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let fd = try valueOrErrno("socket", subject) { socket(socketAddress.family, flags, 0) }
        var bound = address
        do {
            // A restarted vigild must rebind at once, not wait out TIME_WAIT from its previous life.
            try Self.setOption(fd, SOL_SOCKET, SO_REUSEADDR, subject)
            if socketAddress.family == AF_INET6 {
                // [::] means IPv6 only, so that 0.0.0.0 can be bound beside it, as for the heartbeat listeners.
                try Self.setOption(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, subject)
            }
            try valueOrErrno("bind", subject) { socketAddress.withSockaddr { bind(fd, $0, $1) } }
            try valueOrErrno("listen", subject) { listen(fd, 64) }
            var local = SocketAddress()
            try valueOrErrno("getsockname", subject) {
                withUnsafeMutablePointer(to: &local.storage) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &local.length) }
                }
            }
            bound.port = local.port ?? address.port
        } catch {
            close(fd)
            throw error
        }
        self.address = bound
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        let state = QueueConfined(State(listenFD: fd, acceptSource: source), queue: queue)
        self.state = state
        source.setEventHandler { @Sendable in
            Self.acceptAll(state, timeout: timeout, metrics: metrics)
        }
        source.setCancelHandler { @Sendable in
            close(fd)
            state.value.acceptSource = nil
        }
        source.activate()
    }

    /// Stops accepting, closes the listening socket and drops every open connection. Safe from any thread; the
    /// work happens on the queue.
    public func stop() {
        let state = state
        state.queue.async { @Sendable in
            let server = state.value
            guard !server.stopped else { return }
            server.stopped = true
            if server.acceptPaused {
                // A suspended source would never run its cancel handler.
                server.acceptSource?.resume()
                server.acceptPaused = false
            }
            server.acceptSource?.cancel()
            for connection in server.connections.values {
                connection.close()
            }
        }
    }

    /// Accepts every connection waiting now.
    private static func acceptAll(
        _ state: QueueConfined<State>,
        timeout: Duration,
        metrics: @escaping @Sendable () -> String
    ) {
        let server = state.value
        while !server.stopped {
            let fd: Int32
            do {
                fd = try valueOrErrno("accept") { accept(server.listenFD, nil, nil) }
            } catch {
                if error.errno == EMFILE || error.errno == ENFILE || error.errno == ENOBUFS || error.errno == ENOMEM {
                    pauseAccepting(state)
                }
                // EAGAIN: nothing more waiting. ECONNABORTED and the like: that client is gone; the next event
                // brings the others.
                return
            }
            // accept4 is not exported to Swift; vigild's spawns close every inherited descriptor anyway.
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            guard fcntl(fd, F_SETFL, O_NONBLOCK) == 0, server.connections.count < maximumConnections else {
                close(fd)
                continue
            }
            let id = server.nextID
            server.nextID += 1
            server.connections[id] = MetricsConnection.start(
                id: id,
                fd: fd,
                queue: state.queue,
                timeout: timeout,
                metrics: metrics,
                onClose: { id in state.value.connections[id] = nil }
            )
        }
    }

    /// Out of descriptors: the waiting connection stays in the backlog and the source would fire again at once,
    /// spinning the queue. Stop watching for 100 ms instead.
    private static func pauseAccepting(_ state: QueueConfined<State>) {
        let server = state.value
        guard !server.acceptPaused, let source = server.acceptSource else { return }
        source.suspend()
        server.acceptPaused = true
        state.queue.asyncAfter(deadline: .now() + .milliseconds(100)) { @Sendable in
            let server = state.value
            guard server.acceptPaused else { return }
            server.acceptPaused = false
            server.acceptSource?.resume()
        }
    }

    private static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ subject: String) throws(SystemError) {
        var one: Int32 = 1
        try valueOrErrno("setsockopt", subject) {
            setsockopt(fd, level, name, &one, socklen_t(MemoryLayout<Int32>.size))
        }
    }
}
