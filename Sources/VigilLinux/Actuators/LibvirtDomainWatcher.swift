import Dispatch
import VigilCore

/// Follows one libvirt domain's state as it changes, from libvirt's lifecycle events, never by polling, through the
/// `LibvirtConnectionWatcher` of its connection: one `virsh` child per connection, however many domains are watched
/// on it. `cancel()` ends the watch (and the child with the connection's last watch).
public final class LibvirtDomainWatcher: Sendable {
    /// What the watcher reports.
    public enum Event: Sendable, Equatable {
        /// The domain's UUID, once per child that found the domain (before its state): what tells its emulator
        /// apart in `/proc` from another daemon's domain of the same name.
        case identified(uuid: String)
        /// The domain's state: once at each (re)start of the child, then at every change (repeats suppressed). A
        /// domain libvirt does not know is `ActuatorTargetState.undefinedDomain`.
        case state(ActuatorTargetState)
        /// The child ended (or could not start): the state is unknown until the next child, in `retryIn`.
        case interrupted(reason: String, retryIn: Duration)
        /// A fault libvirt reported besides the state: the guest's watchdog fired, a disk I/O error.
        case notice(LibvirtDomainNotice)
    }

    public let domain: String
    public let connection: LibvirtConnectionWatcher
    private let id: UInt64

    public var uri: String { connection.uri }

    /// Starts watching `domain` on `connection`.
    /// - Parameters:
    ///   - connection: the watcher of the domain's libvirt connection.
    ///   - domain: the domain's name (no single quote: it is quoted with them in virsh's command line).
    ///   - queue: where `handler` runs (the engine queue).
    ///   - handler: gets the events.
    public init(
        connection: LibvirtConnectionWatcher,
        domain: String,
        queue: DispatchQueue,
        handler: @escaping @Sendable (Event) -> Void
    ) {
        self.domain = domain
        self.connection = connection
        id = connection.subscribe(domain: domain, queue: queue, handler: handler)
    }

    /// Starts watching `domain` on a connection watcher of its own.
    /// - Parameters:
    ///   - virsh: absolute path of `virsh`.
    ///   - uri: the libvirt connection.
    ///   - domain: the domain's name.
    ///   - environment: the child's environment, `NAME=value` (with `LC_ALL=C`: virsh's words are parsed).
    ///   - queue: where `handler` runs.
    ///   - handler: gets the events.
    public convenience init(
        virsh: String,
        uri: String,
        domain: String,
        environment: [String],
        queue: DispatchQueue,
        handler: @escaping @Sendable (Event) -> Void
    ) {
        let connection = LibvirtConnectionWatcher(virsh: virsh, uri: uri, environment: environment)
        self.init(connection: connection, domain: domain, queue: queue, handler: handler)
    }

    /// Stops watching; no event is delivered once the cancellation has taken effect.
    public func cancel() {
        connection.unsubscribe(id)
    }
}

/// The libvirt connections vigild follows: one `LibvirtConnectionWatcher` (one `virsh` child) per `virsh`, URI and
/// environment, shared by every domain watched on it. Confined to the engine queue.
public final class LibvirtConnections {
    private struct Key: Hashable {
        var virsh: String
        var uri: String
        var environment: [String]
    }

    private var watchers: [Key: LibvirtConnectionWatcher] = [:]

    public init() {}

    /// Follows the actuator's domain on its connection's watcher (made on first use).
    /// - Parameters:
    ///   - actuator: the domain's libvirt actuator (its `virsh`, URI, environment and domain).
    ///   - queue: where `handler` runs.
    ///   - handler: gets the domain's events.
    public func watch(
        _ actuator: LibvirtActuator,
        queue: DispatchQueue,
        handler: @escaping @Sendable (LibvirtDomainWatcher.Event) -> Void
    ) -> LibvirtDomainWatcher {
        let key = Key(virsh: actuator.virsh, uri: actuator.uri, environment: actuator.environment)
        let connection =
            watchers[key]
            ?? {
                let made = LibvirtConnectionWatcher(virsh: key.virsh, uri: key.uri, environment: key.environment)
                watchers[key] = made
                return made
            }()
        return LibvirtDomainWatcher(connection: connection, domain: actuator.domain, queue: queue, handler: handler)
    }
}
