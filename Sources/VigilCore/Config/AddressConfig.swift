/// What an `address` target puts on an interface: a floating service address (`address = "10.0.0.100/24"`,
/// `interface = "eth0"`), announced to the link after it is added so that neighbours send to this host at once.
public struct AddressConfig: Sendable, Equatable {
    public var address: IPAddress
    /// The prefix length of the address on the interface (`/24`); 32 or 128 when not given.
    public var prefixLength: Int
    /// The interface the address goes on, by name.
    public var interface: String
    /// How many announcements follow an add: gratuitous ARP requests for IPv4, unsolicited neighbour
    /// advertisements with the override flag for IPv6. 0 announces nothing.
    public var announcements: Int
    /// The time between two announcements.
    public var announceInterval: Duration

    public init(
        address: IPAddress,
        prefixLength: Int,
        interface: String,
        announcements: Int = 3,
        announceInterval: Duration = .milliseconds(200)
    ) {
        self.address = address
        self.prefixLength = prefixLength
        self.interface = interface
        self.announcements = announcements
        self.announceInterval = announceInterval
    }

    /// `10.0.0.100/24`.
    public var text: String {
        "\(address)/\(prefixLength)"
    }
}
