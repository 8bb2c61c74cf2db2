import CLinux
import CSystemd
import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One sd-bus connection, driven without blocking and without polling: the bus's descriptor feeds a
/// DispatchSource (read always, write only while sd-bus has output queued), and a timer follows
/// `sd_bus_get_timeout` for sd-bus's own method-call timeouts. Every use of the connection happens on `queue`
/// (sd-bus is not thread-safe); the `SystemdBus+Calls` methods must be called there.
///
/// When the connection fails, every registered `onClose` handler is told once, and `isClosed` turns true so the
/// next user opens a fresh connection.
public final class SystemdBus: Sendable {
    /// The queue that owns the connection.
    public let queue: DispatchQueue
    public let address: SystemdBusAddress
    let state: QueueConfined<State>
    private let closed = Mutex(false)

    struct State {
        var bus: OpaquePointer?
        var reader: (any DispatchSourceRead)?
        var writer: (any DispatchSourceWrite)?
        var writerState = WriterState.inactive
        var timer: (any DispatchSourceTimer)?
        var closeHandlers: [UInt64: @Sendable (SystemdBusError) -> Void] = [:]
        var nextHandler: UInt64 = 0
        /// systemd's manager: `Subscribe` sent and the `JobRemoved` match added.
        var managerPrepared = false
        var processScheduled = false
        var jobs = JobTable()
    }

    /// The write source runs only while sd-bus has output it could not write at once.
    enum WriterState {
        case inactive
        case armed
        case suspended
    }

    private init(bus: OpaquePointer, address: SystemdBusAddress, queue: DispatchQueue) {
        self.queue = queue
        self.address = address
        state = QueueConfined(State(bus: bus), queue: queue)
    }

    /// Connects to `address` (the connection is authenticated and greeted asynchronously).
    /// - Throws: `SystemdBusError` when the socket cannot be reached.
    public static func open(_ address: SystemdBusAddress) throws(SystemdBusError) -> SystemdBus {
        var bus: OpaquePointer?
        var result: Int32
        switch address {
        case .system:
            result = sd_bus_open_system(&bus)
        case .bus(let text), .direct(let text):
            result = sd_bus_new(&bus)
            if result >= 0 {
                result = sd_bus_set_address(bus, text)
            }
            if result >= 0 {
                result = sd_bus_set_bus_client(bus, address == .direct(text) ? 0 : 1)
            }
            if result >= 0 {
                result = sd_bus_start(bus)
            }
        }
        guard result >= 0, let bus else {
            if let bus {
                sd_bus_unref(bus)
            }
            throw SystemdBusError(call: "connect", subject: address.description, message: Self.text(-result))
        }
        let fd = sd_bus_get_fd(bus)
        guard fd >= 0 else {
            sd_bus_unref(bus)
            throw SystemdBusError(call: "connect", subject: address.description, message: Self.text(-fd))
        }
        let connection = SystemdBus(bus: bus, address: address, queue: DispatchQueue(label: "vigil.systemd-bus"))
        connection.queue.sync { connection.attach(fd: fd) }
        return connection
    }

    /// Whether the connection has failed or been closed.
    public var isClosed: Bool {
        closed.withLock { $0 }
    }

    /// Closes the connection; pending calls and watchers are told. Safe from any queue.
    public func close() {
        queue.async { @Sendable [self] in
            fail(SystemdBusError(call: "close", subject: address.description, message: "connection closed"))
        }
    }

    /// Calls `handler` once if the connection fails. Only on `queue`.
    /// - Returns: a token for `removeCloseHandler`.
    func onClose(_ handler: @escaping @Sendable (SystemdBusError) -> Void) -> UInt64 {
        state.value.nextHandler += 1
        state.value.closeHandlers[state.value.nextHandler] = handler
        return state.value.nextHandler
    }

    /// Only on `queue`.
    func removeCloseHandler(_ token: UInt64) {
        state.value.closeHandlers[token] = nil
    }

    private func attach(fd: Int32) {
        let reader = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        reader.setEventHandler { @Sendable [self] in process() }
        let writer = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: queue)
        writer.setEventHandler { @Sendable [self] in process() }
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.setEventHandler { @Sendable [self] in process() }
        state.value.reader = reader
        state.value.writer = writer
        state.value.timer = timer
        reader.activate()
        timer.activate()
        // The write source stays inactive until sd-bus has something it could not write at once.
        process()
    }

    /// Lets sd-bus do all it can (read, dispatch callbacks, write), then rearms the sources. Only on `queue`.
    func process() {
        guard let bus = state.value.bus else { return }
        while true {
            let result = sd_bus_process(bus, nil)
            if result < 0 {
                fail(SystemdBusError(call: "process", subject: address.description, message: Self.text(-result)))
                return
            }
            // A callback may have closed the connection.
            guard state.value.bus != nil else { return }
            if result == 0 {
                break
            }
        }
        rearm(bus)
    }

    /// Processes soon: after a request was queued, from outside sd-bus (it refuses to be re-entered from its own
    /// callbacks). Only on `queue`.
    func scheduleProcess() {
        guard !state.value.processScheduled else { return }
        state.value.processScheduled = true
        queue.async { @Sendable [self] in
            state.value.processScheduled = false
            process()
        }
    }

    private func rearm(_ bus: OpaquePointer) {
        let events = sd_bus_get_events(bus)
        let wantsWrite = events > 0 && Int16(events) & Int16(POLLOUT) != 0
        if let writer = state.value.writer {
            switch (state.value.writerState, wantsWrite) {
            case (.inactive, true):
                writer.activate()
                state.value.writerState = .armed
            case (.suspended, true):
                writer.resume()
                state.value.writerState = .armed
            case (.armed, false):
                writer.suspend()
                state.value.writerState = .suspended
            default:
                break
            }
        }
        var usec: UInt64 = 0
        if sd_bus_get_timeout(bus, &usec) >= 0, usec != UInt64.max {
            let now = UInt64(vigil_monotonic_nsec() / 1000)
            let delay = usec > now ? usec - now : 0
            state.value.timer?.schedule(deadline: .now() + .microseconds(Int(clamping: delay)))
        } else {
            state.value.timer?.schedule(deadline: .distantFuture)
        }
    }

    /// Tears the connection down and tells everyone waiting. Only on `queue`.
    func fail(_ error: SystemdBusError) {
        guard let bus = state.value.bus else { return }
        closed.withLock { $0 = true }
        state.value.bus = nil
        state.value.reader?.cancel()
        if let writer = state.value.writer {
            // A source must be running to be cancelled and released.
            switch state.value.writerState {
            case .inactive: writer.activate()
            case .suspended: writer.resume()
            case .armed: break
            }
            writer.cancel()
        }
        state.value.timer?.cancel()
        state.value.reader = nil
        state.value.writer = nil
        state.value.timer = nil
        let handlers = state.value.closeHandlers.values
        state.value.closeHandlers = [:]
        state.value.jobs = JobTable()
        // Unref'ing the bus destroys its slots, which releases their callbacks.
        sd_bus_close_unref(bus)
        for handler in handlers {
            handler(error)
        }
    }

    static func text(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
