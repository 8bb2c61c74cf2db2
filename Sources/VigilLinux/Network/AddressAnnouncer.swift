import CLinux
import VigilCore

#if canImport(Glibc)
import Glibc
#endif

/// Tells the link that an address now lives at this interface's hardware address: for IPv4 a gratuitous ARP request
/// (sender and target protocol address both the address, broadcast), sent from an AF_PACKET socket as `arping -U`,
/// keepalived and Pacemaker's IPaddr2 do; for IPv6 an unsolicited neighbour advertisement with the override flag to
/// all nodes (ff02::1). Neighbours holding an entry for the address replace its hardware address at once, instead of
/// sending to the old owner until the entry goes stale. Each `send()` is one announcement; the caller paces them.
public final class AddressAnnouncer {
    public let address: InterfaceAddress
    private let index: Int32
    private let mac: [UInt8]
    private var fd: Int32

    /// Opens the socket (needs CAP_NET_RAW).
    /// - Throws: `SystemError` when the interface, its hardware address or the socket cannot be had.
    public init(_ address: InterfaceAddress) throws(SystemError) {
        self.address = address
        index = try address.interfaceIndex()
        mac = try address.hardwareAddress()
        let bytes = address.address.bytes
        let index = index
        switch address.address.family {
        case .v4:
            fd = try valueOrNegatedErrno("socket AF_PACKET", address.interface) { vigil_arp_socket() }
        case .v6:
            fd = try valueOrNegatedErrno("socket ICMPv6", address.description) {
                bytes.withUnsafeBufferPointer { vigil_na_socket(index, $0.baseAddress) }
            }
        }
    }

    deinit {
        close()
    }

    /// The hardware address announced, as `aa:bb:cc:dd:ee:ff`.
    public var hardwareAddress: String {
        mac.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: ":")
    }

    /// Sends one announcement.
    /// - Throws: `SystemError` from `sendto`.
    public func send() throws(SystemError) {
        let bytes = address.address.bytes
        let (fd, index, mac) = (fd, index, mac)
        let v4 = address.address.family == .v4
        try valueOrNegatedErrno(v4 ? "gratuitous ARP" : "neighbour advertisement", address.description) {
            mac.withUnsafeBufferPointer { mac in
                bytes.withUnsafeBufferPointer { ip in
                    v4
                        ? vigil_arp_announce(fd, index, mac.baseAddress, ip.baseAddress)
                        : vigil_na_announce(fd, index, mac.baseAddress, ip.baseAddress)
                }
            }
        }
    }

    public func close() {
        if fd >= 0 {
            _ = Glibc.close(fd)
            fd = -1
        }
    }
}
