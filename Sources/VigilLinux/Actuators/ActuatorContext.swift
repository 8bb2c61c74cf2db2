import Dispatch
import Synchronization

/// What every actuator of one vigild shares: where outcomes go, the environment hooks start from, and one D-Bus
/// connection for all systemd targets (opened on first use).
public final class ActuatorContext: Sendable {
    /// Where every outcome is delivered (the engine queue).
    public let completionQueue: DispatchQueue
    /// The environment hooks and `virsh` start from (vigild's own, usually); `PATH` also finds their programs.
    public let environment: [String: String]
    /// The bus the systemd actuator and watchers talk to.
    public let busAddress: SystemdBusAddress
    /// The fencing tokens of the cluster resources this node runs (`VIGIL_FENCING_TOKEN` for their hooks).
    public let fencingTokens: FencingTokens
    private let bus = Mutex<SystemdBus?>(nil)

    /// - Parameters:
    ///   - completionQueue: where outcomes are delivered.
    ///   - environment: the base environment of hooks.
    ///   - busAddress: the system bus by default; tests point it at a container's bus socket.
    ///   - fencingTokens: the cluster resources' tokens, kept by cluster mode.
    public init(
        completionQueue: DispatchQueue,
        environment: [String: String] = ProcessEnvironment.current(),
        busAddress: SystemdBusAddress = .system,
        fencingTokens: FencingTokens = FencingTokens()
    ) {
        self.completionQueue = completionQueue
        self.environment = environment
        self.busAddress = busAddress
        self.fencingTokens = fencingTokens
    }

    /// `PATH` of `environment`, or the usual system directories.
    public var searchPath: String {
        environment["PATH"] ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    }

    /// The shared bus connection, opened on first use and again after it was lost.
    /// - Throws: `SystemdBusError` when the bus cannot be reached.
    public func systemdBus() throws(SystemdBusError) -> SystemdBus {
        try bus.withLock { (stored: inout SystemdBus?) throws(SystemdBusError) -> SystemdBus in
            if let existing = stored, !existing.isClosed {
                return existing
            }
            let opened = try SystemdBus.open(busAddress)
            stored = opened
            return opened
        }
    }
}
