import CLinux
import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// Tells when any address of this network namespace changes (rtnetlink's address groups), so that an address
/// vigild put on an interface is found gone the moment someone removes it, without polling. What changed is not
/// parsed: the owner asks `InterfaceAddress.isPresent()` again.
public final class AddressWatcher: Sendable {
    private let source: QueueConfined<any DispatchSourceRead>

    /// Starts watching; `changed` runs on `queue` after each batch of changes.
    /// - Throws: `SystemError` when the netlink socket cannot be opened or bound.
    public init(queue: DispatchQueue, changed: @escaping @Sendable () -> Void) throws(SystemError) {
        let fd = try valueOrNegatedErrno("netlink RTMGRP_IFADDR") { vigil_address_watch_open() }
        let readSource = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        readSource.setEventHandler { @Sendable in
            if vigil_address_watch_drain(fd) != 0 {
                changed()
            }
        }
        readSource.setCancelHandler { @Sendable in
            _ = Glibc.close(fd)
        }
        source = QueueConfined(readSource, queue: queue)
        readSource.activate()
    }

    /// Stops watching and closes the socket. Only on the watcher's queue.
    public func cancel() {
        source.value.cancel()
    }
}
