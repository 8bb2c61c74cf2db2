/// A cgroup v2 `io.stat`: one line per device the cgroup did I/O on.
///
/// ```
/// 8:16 rbytes=1459200 wbytes=314773504 rios=192 wios=353 dbytes=0 dios=0
/// ```
public struct IOStat: Sendable, Equatable {
    /// One device's counters; a key the kernel did not write is `nil`.
    public struct Device: Sendable, Equatable {
        public var major: UInt32
        public var minor: UInt32
        public var readBytes: UInt64?
        public var writeBytes: UInt64?
        public var readIOs: UInt64?
        public var writeIOs: UInt64?
        public var discardBytes: UInt64?
        public var discardIOs: UInt64?

        public init(major: UInt32, minor: UInt32) {
            self.major = major
            self.minor = minor
        }
    }

    public var devices: [Device]

    public init(devices: [Device] = []) {
        self.devices = devices
    }

    /// Parses the text of `io.stat`. Unknown keys (`cost.*`, `wait_usec` from io controllers) are ignored.
    /// - Throws: `KernelTextError` when a line's device is not `MAJ:MIN` or a known key's value is garbled.
    public static func parse(_ text: String) throws(KernelTextError) -> IOStat {
        var devices: [Device] = []
        for (number, line) in KernelText.lines(text) {
            let fields = KernelText.fields(line)
            let numbers = fields[0].split(separator: ":")
            guard numbers.count == 2, let major = UInt32(numbers[0]), let minor = UInt32(numbers[1]) else {
                throw KernelTextError(file: .ioStat, line: number, message: "garbled device '\(fields[0])'")
            }
            var device = Device(major: major, minor: minor)
            for field in fields.dropFirst() {
                guard let equals = field.firstIndex(of: "=") else { continue }
                let key = field[..<equals]
                let valueText = field[field.index(after: equals)...]
                let path: WritableKeyPath<Device, UInt64?>
                switch key {
                case "rbytes": path = \.readBytes
                case "wbytes": path = \.writeBytes
                case "rios": path = \.readIOs
                case "wios": path = \.writeIOs
                case "dbytes": path = \.discardBytes
                case "dios": path = \.discardIOs
                default: continue
                }
                guard let value = KernelText.unsigned(valueText) else {
                    throw KernelTextError(file: .ioStat, line: number, message: "\(key) is not a number")
                }
                device[keyPath: path] = value
            }
            devices.append(device)
        }
        return IOStat(devices: devices)
    }
}
