import CSystemd

#if canImport(Glibc)
import Glibc
#endif

/// An installed match on a `SystemdBus`: the match lasts as long as this object (or until `cancel`). Only on the
/// bus queue.
final class BusSlot {
    private var pointer: OpaquePointer?

    init(_ pointer: OpaquePointer?) {
        self.pointer = pointer
    }

    func cancel() {
        if let pointer {
            sd_bus_slot_unref(pointer)
        }
        pointer = nil
    }

    deinit {
        cancel()
    }
}

/// A Swift handler behind a C callback's `userdata`, released by the slot's destroy callback.
private final class BusCallback {
    let handler: (BusMessage) -> Void

    init(_ handler: @escaping (BusMessage) -> Void) {
        self.handler = handler
    }
}

/// systemd's jobs that vigild waits for, and `JobRemoved` results that came before the caller knew its job's path.
struct JobTable {
    var waiters: [String: (String) -> Void] = [:]
    var early: [String: String] = [:]
    var callsInFlight = 0
    var match: BusSlot?
}

extension SystemdBus {
    static let destination = "org.freedesktop.systemd1"
    static let managerPath = "/org/freedesktop/systemd1"
    static let managerInterface = "org.freedesktop.systemd1.Manager"
    static let unitInterface = "org.freedesktop.systemd1.Unit"

    /// The object path of `unit` (`/org/freedesktop/systemd1/unit/nginx_2eservice`).
    static func unitPath(_ unit: String) -> String {
        var encoded: UnsafeMutablePointer<CChar>?
        guard sd_bus_path_encode("/org/freedesktop/systemd1/unit", unit, &encoded) >= 0, let encoded else {
            return "/org/freedesktop/systemd1/unit/invalid"
        }
        defer { free(encoded) }
        return String(cString: encoded)
    }

    /// Sends a method call; `reply` gets the reply or error message, once (sd-bus answers a timed-out call with an
    /// error reply). The call's slot is sd-bus's own (floating); callers that give up ignore the reply. Only on
    /// `queue`.
    /// - Returns: why the call could not be sent, if it could not.
    @discardableResult
    func call(
        _ member: String,
        path: String = managerPath,
        interface: String = managerInterface,
        arguments: [BusArgument] = [],
        timeout: Duration? = nil,
        reply: @escaping (BusMessage) -> Void
    ) -> SystemdBusError? {
        guard let bus = state.value.bus else {
            return SystemdBusError(call: member, subject: path, message: "the bus connection is closed")
        }
        var message: OpaquePointer?
        var result = sd_bus_message_new_method_call(bus, &message, Self.destination, path, interface, member)
        defer { sd_bus_message_unref(message) }
        for argument in arguments where result >= 0 {
            result = argument.append(to: message!)
        }
        let box = Unmanaged.passRetained(BusCallback(reply)).toOpaque()
        if result >= 0 {
            let usec = timeout.map { UInt64(max(1, $0.microseconds)) } ?? 0
            result = sd_bus_call_async(
                bus,
                nil,
                message,
                { message, userdata, _ in
                    guard let message, let userdata else { return 0 }
                    Unmanaged<BusCallback>.fromOpaque(userdata).takeRetainedValue().handler(
                        BusMessage(pointer: message)
                    )
                    return 0
                },
                box,
                usec
            )
        }
        guard result >= 0 else {
            Unmanaged<BusCallback>.fromOpaque(box).release()
            return SystemdBusError(call: member, subject: path, message: Self.text(-result))
        }
        scheduleProcess()
        return nil
    }

    /// Adds a match rule; `handler` gets every matching message. Only on `queue`.
    ///
    /// The `AddMatch` request goes out before anything sent after this call, and the bus daemon handles requests
    /// in order, so a signal caused by a later call is never missed.
    func addMatch(_ rule: String, handler: @escaping (BusMessage) -> Void) -> Result<BusSlot, SystemdBusError> {
        guard let bus = state.value.bus else {
            return .failure(SystemdBusError(call: "AddMatch", subject: rule, message: "the bus connection is closed"))
        }
        var slot: OpaquePointer?
        let box = Unmanaged.passRetained(BusCallback(handler)).toOpaque()
        let result = sd_bus_add_match_async(
            bus,
            &slot,
            rule,
            { message, userdata, _ in
                guard let message, let userdata else { return 0 }
                Unmanaged<BusCallback>.fromOpaque(userdata).takeUnretainedValue().handler(BusMessage(pointer: message))
                return 0
            },
            nil,
            box
        )
        guard result >= 0, let slot else {
            Unmanaged<BusCallback>.fromOpaque(box).release()
            return .failure(SystemdBusError(call: "AddMatch", subject: rule, message: Self.text(-result)))
        }
        sd_bus_slot_set_destroy_callback(slot) { userdata in
            if let userdata {
                Unmanaged<BusCallback>.fromOpaque(userdata).release()
            }
        }
        scheduleProcess()
        return .success(BusSlot(slot))
    }

    /// Once per connection: asks systemd to send its signals (`Subscribe`; without it systemd sends none on the
    /// system bus) and starts following `JobRemoved`. Only on `queue`.
    func prepareManager() -> SystemdBusError? {
        guard !state.value.managerPrepared else { return nil }
        let rule =
            "type='signal',sender='\(Self.destination)',path='\(Self.managerPath)',"
            + "interface='\(Self.managerInterface)',member='JobRemoved'"
        let match = addMatch(rule) { [self] message in
            _ = message.readUInt32()
            guard let job = message.readString(BusType.objectPath), let _ = message.readString(),
                let result = message.readString()
            else { return }
            jobRemoved(job, result: result)
        }
        switch match {
        case .failure(let error): return error
        case .success(let slot): state.value.jobs.match = slot
        }
        // A direct connection to systemd gets every signal; `Subscribe` there is harmless.
        if let error = call("Subscribe", reply: { _ in }) {
            return error
        }
        state.value.managerPrepared = true
        return nil
    }

    private func jobRemoved(_ job: String, result: String) {
        if let waiter = state.value.jobs.waiters.removeValue(forKey: job) {
            waiter(result)
        } else if state.value.jobs.callsInFlight > 0 {
            if state.value.jobs.early.count > 256 {
                state.value.jobs.early.removeAll()
            }
            state.value.jobs.early[job] = result
        }
    }

    /// Calls `handler` with the job's result (`done`, `failed`, `canceled`…) when it is removed. Only on `queue`.
    func waitForJob(_ job: String, handler: @escaping (String) -> Void) {
        if let result = state.value.jobs.early.removeValue(forKey: job) {
            handler(result)
        } else {
            state.value.jobs.waiters[job] = handler
        }
    }

    /// Stops waiting for `job`. Only on `queue`.
    func forgetJob(_ job: String) {
        state.value.jobs.waiters[job] = nil
    }

    /// Counts a job-creating call in flight, so a `JobRemoved` that overtakes its reply is kept. Only on `queue`.
    func jobCall(started: Bool) {
        state.value.jobs.callsInFlight += started ? 1 : -1
        if state.value.jobs.callsInFlight == 0 {
            state.value.jobs.early.removeAll()
        }
    }
}
