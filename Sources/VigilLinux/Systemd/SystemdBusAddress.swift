/// Which D-Bus connection the systemd actuator uses.
public enum SystemdBusAddress: Sendable, Equatable, CustomStringConvertible {
    /// The system bus (`$DBUS_SYSTEM_BUS_ADDRESS`, else `/run/dbus/system_bus_socket`): what vigild uses.
    case system
    /// A bus daemon at a D-Bus address such as `unix:path=/srv/ct/run/dbus/system_bus_socket` (a container's).
    case bus(String)
    /// systemd itself, without a bus daemon, at an address such as `unix:path=/run/systemd/private`.
    case direct(String)

    public var description: String {
        switch self {
        case .system: "the system bus"
        case .bus(let address): "the bus at \(address)"
        case .direct(let address): "systemd at \(address)"
        }
    }
}

/// A D-Bus failure: the call or step, what it was about, and the bus's own error name and message.
public struct SystemdBusError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `connect`, `StartUnit`, `Get ActiveState`…
    public var call: String
    /// The unit or address it was about.
    public var subject: String
    /// The D-Bus error name (`org.freedesktop.systemd1.NoSuchUnit`), when the peer sent one.
    public var name: String?
    public var message: String

    public init(call: String, subject: String, name: String? = nil, message: String) {
        self.call = call
        self.subject = subject
        self.name = name
        self.message = message
    }

    public var description: String {
        "\(call) \(subject): \(message)"
    }
}
