/// I/O errors a SCSI block device has seen (`/sys/block/NAME/device/ioerr_cnt`, hexadecimal).
public struct BlockDeviceErrorCount: Sendable, Equatable {
    /// `sda`, `sdb`…
    public var device: String
    public var ioErrors: UInt64

    public init(device: String, ioErrors: UInt64) {
        self.device = device
        self.ioErrors = ioErrors
    }
}
