import CLinux
import VigilCore

#if canImport(Glibc)
import Glibc
#endif

/// One address on one interface of this network namespace, changed through rtnetlink (`RTM_NEWADDR`,
/// `RTM_DELADDR`, each acknowledged by the kernel) and announced to the link. rtnetlink rather than `ip addr add`:
/// a change takes one request and its answer (tens of microseconds, no process to spawn on a failover's critical
/// path), the kernel's errno comes back typed, and the same socket family watches the addresses change.
public struct InterfaceAddress: Sendable, Equatable, CustomStringConvertible {
    public var address: IPAddress
    public var prefixLength: Int
    public var interface: String

    public init(address: IPAddress, prefixLength: Int, interface: String) {
        self.address = address
        self.prefixLength = prefixLength
        self.interface = interface
    }

    public var description: String {
        "\(address)/\(prefixLength) on \(interface)"
    }

    private var family: Int32 {
        address.family == .v4 ? AF_INET : AF_INET6
    }

    /// The interface's index.
    /// - Throws: `SystemError` (`ENODEV` when there is no such interface).
    public func interfaceIndex() throws(SystemError) -> Int32 {
        try valueOrNegatedErrno("if_nametoindex", interface) { vigil_interface_index(interface) }
    }

    /// Adds the address. - Returns: `false` when it was there already (`EEXIST`): nothing changed.
    /// - Throws: `SystemError` from the kernel's answer (`ENODEV`, `EPERM` without CAP_NET_ADMIN, …).
    @discardableResult
    public func add() throws(SystemError) -> Bool {
        let index = try interfaceIndex()
        do throws(SystemError) {
            try change(add: true, index: index)
            return true
        } catch  where error.errno == EEXIST {
            return false
        }
    }

    /// Removes the address. - Returns: `false` when it was not there (`EADDRNOTAVAIL`).
    /// - Throws: `SystemError` from the kernel's answer.
    @discardableResult
    public func remove() throws(SystemError) -> Bool {
        let index = try interfaceIndex()
        do throws(SystemError) {
            try change(add: false, index: index)
            return true
        } catch  where error.errno == EADDRNOTAVAIL {
            return false
        }
    }

    private func change(add: Bool, index: Int32) throws(SystemError) {
        let bytes = address.bytes
        let verb = add ? "RTM_NEWADDR" : "RTM_DELADDR"
        try valueOrNegatedErrno(verb, description) {
            bytes.withUnsafeBufferPointer {
                vigil_address_change(add ? 1 : 0, index, family, $0.baseAddress, Int32(prefixLength))
            }
        }
    }

    /// Whether the address is on its interface now (an `RTM_GETADDR` dump); `false` when the interface is gone.
    /// - Throws: `SystemError` when rtnetlink cannot be asked.
    public func isPresent() throws(SystemError) -> Bool {
        let index: Int32
        do throws(SystemError) {
            index = try interfaceIndex()
        } catch  where error.errno == ENODEV || error.errno == ENXIO {
            return false
        }
        let bytes = address.bytes
        let found = try valueOrNegatedErrno("RTM_GETADDR", description) {
            bytes.withUnsafeBufferPointer { vigil_address_present(index, family, $0.baseAddress) }
        }
        return found == 1
    }

    /// The interface's hardware (MAC) address.
    /// - Throws: `SystemError` from `SIOCGIFHWADDR`.
    public func hardwareAddress() throws(SystemError) -> [UInt8] {
        var mac = [UInt8](repeating: 0, count: 6)
        try valueOrNegatedErrno("SIOCGIFHWADDR", interface) {
            mac.withUnsafeMutableBufferPointer { vigil_interface_mac(interface, $0.baseAddress) }
        }
        return mac
    }
}
