import CLinux

#if canImport(Glibc)
import Glibc
#endif

/// An open Linux watchdog device (`/dev/watchdog`: softdog or a hardware driver), or a FIFO standing in for one in
/// tests. Once open, the device resets the host unless it is fed (any byte written) within its timeout, or closed
/// after the magic `V` was written.
///
/// Opened non-blocking, so a FIFO without a reader fails at once (`ENXIO`) instead of blocking the engine queue, and
/// a full one fails a feed (`EAGAIN`) instead of waiting. Confined to the queue that opened it.
public final class WatchdogDevice {
    public let path: String
    /// The timeout the device has, when it could be set; nil for a stand-in that is no watchdog device (`ENOTTY`).
    public let timeout: Duration?
    private var fd: Int32

    /// Opens the device and asks for `timeout` (`WDIOC_SETTIMEOUT`).
    /// - Throws: `SystemError` from `open`, or from the ioctl for a device that refuses the timeout.
    public init(path: String, timeout: Duration) throws(SystemError) {
        self.path = path
        let opened = try valueOrErrno("open", path) { open(path, O_WRONLY | O_CLOEXEC | O_NONBLOCK) }
        fd = opened
        let seconds = Int32(clamping: timeout.components.seconds)
        do throws(SystemError) {
            let set = try valueOrNegatedErrno("ioctl WDIOC_SETTIMEOUT", path) {
                vigil_watchdog_set_timeout(opened, seconds)
            }
            self.timeout = .seconds(set)
        } catch {
            if error.errno == ENOTTY {
                self.timeout = nil
                return
            }
            // A device that keeps another timeout than the one asked cannot be relied on: closed with the magic
            // character so it does not fire.
            Self.magicClose(opened)
            fd = -1
            throw error
        }
    }

    deinit {
        if fd >= 0 {
            Glibc.close(fd)
        }
    }

    /// Feeds the device: one byte, which is not the magic `V`.
    /// - Throws: `SystemError` from `write` (`EPIPE`: a stand-in's reader is gone).
    public func feed() throws(SystemError) {
        var byte = UInt8(ascii: "1")
        try valueOrErrno("write", path) { Glibc.write(fd, &byte, 1) }
    }

    /// Disarms the device: writes the magic `V` and closes it, so it does not fire.
    public func disarm() {
        guard fd >= 0 else { return }
        Self.magicClose(fd)
        fd = -1
    }

    private static func magicClose(_ fd: Int32) {
        var magic = UInt8(ascii: "V")
        _ = try? valueOrErrno("write", nil) { Glibc.write(fd, &magic, 1) }
        Glibc.close(fd)
    }
}
