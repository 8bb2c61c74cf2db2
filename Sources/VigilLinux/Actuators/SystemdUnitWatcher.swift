import Dispatch
import VigilCore

/// Follows a systemd unit's `ActiveState` and `SubState` as they change, from systemd's `PropertiesChanged`
/// signals on the unit's object path (after `Subscribe`), never by polling. The handler gets the state once at
/// the start and then every change (repeats suppressed), or `lost` when the bus connection fails (the caller then
/// builds a new watcher on a new connection).
public final class SystemdUnitWatcher: Sendable {
    /// What the watcher reports.
    public enum Event: Sendable, Equatable {
        /// The unit's state now. A unit systemd cannot find is reported with phase `unknown` and raw `not-found`.
        case state(ActuatorTargetState)
        /// The connection failed; no more events come.
        case lost(SystemdBusError)
    }

    private struct State {
        var match: BusSlot?
        var closeToken: UInt64?
        var active: String?
        var sub: String?
        var last: ActuatorTargetState?
        var cancelled = false
    }

    public let unit: String
    private let bus: SystemdBus
    private let state: QueueConfined<State>

    /// Starts watching.
    /// - Parameters:
    ///   - bus: the connection (usually `ActuatorContext.systemdBus()`).
    ///   - unit: e.g. `nginx.service`.
    ///   - queue: where `handler` runs (the engine queue).
    ///   - handler: gets the events.
    public init(
        bus: SystemdBus,
        unit: String,
        queue: DispatchQueue,
        handler: @escaping @Sendable (Event) -> Void
    ) {
        self.bus = bus
        self.unit = unit
        let state = QueueConfined(State(), queue: bus.queue)
        self.state = state
        let emit: @Sendable (Event) -> Void = { @Sendable event in
            queue.async { @Sendable in handler(event) }
        }
        bus.queue.async { @Sendable in
            Self.start(bus: bus, unit: unit, state: state, emit: emit)
        }
    }

    /// Stops watching; no event is delivered after the handler has seen the cancellation take effect.
    public func cancel() {
        let state = state
        let bus = bus
        bus.queue.async { @Sendable in
            state.value.cancelled = true
            state.value.match?.cancel()
            state.value.match = nil
            if let token = state.value.closeToken {
                bus.removeCloseHandler(token)
            }
        }
    }

    private static func start(
        bus: SystemdBus,
        unit: String,
        state: QueueConfined<State>,
        emit: @escaping @Sendable (Event) -> Void
    ) {
        guard !state.value.cancelled else { return }
        state.value.closeToken = bus.onClose { @Sendable error in
            guard !state.value.cancelled else { return }
            state.value.cancelled = true
            emit(.lost(error))
        }
        if let error = bus.prepareManager() {
            return emit(.lost(error))
        }
        let rule =
            "type='signal',sender='\(SystemdBus.destination)',path='\(SystemdBus.unitPath(unit))',"
            + "interface='org.freedesktop.DBus.Properties',member='PropertiesChanged',arg0='\(SystemdBus.unitInterface)'"
        let match = bus.addMatch(rule) { message in
            guard !state.value.cancelled, message.readString() == SystemdBus.unitInterface else { return }
            let changed = message.readStringProperties(["ActiveState", "SubState"])
            update(state, active: changed["ActiveState"], sub: changed["SubState"], emit: emit)
        }
        switch match {
        case .failure(let error): return emit(.lost(error))
        case .success(let slot): state.value.match = slot
        }
        // Sent after the match, so no change after this read can be missed.
        let error = bus.readUnitState(unit, timeout: .seconds(25)) { result in
            guard !state.value.cancelled else { return }
            switch result {
            case .success(let observed):
                update(state, active: observed.raw, sub: observed.detail, emit: emit)
            case .failure(let error) where error.call == "LoadState":
                update(state, active: "not-found", sub: nil, emit: emit)
            case .failure(let error):
                emit(.lost(error))
            }
        }
        if let error {
            emit(.lost(error))
        }
    }

    private static func update(
        _ state: QueueConfined<State>,
        active: String?,
        sub: String?,
        emit: @escaping @Sendable (Event) -> Void
    ) {
        state.value.active = active ?? state.value.active
        state.value.sub = sub ?? state.value.sub
        guard let active = state.value.active else { return }
        let observed = ActuatorTargetState(systemdActiveState: active, subState: state.value.sub)
        if observed != state.value.last {
            state.value.last = observed
            emit(.state(observed))
        }
    }
}
