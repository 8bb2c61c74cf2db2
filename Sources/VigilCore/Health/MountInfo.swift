/// `/proc/self/mountinfo` (Documentation/filesystems/proc.rst, section 3.5):
///
/// ```
/// 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
/// ```
public struct MountInfo: Sendable, Equatable {
    /// One mount.
    public struct Mount: Sendable, Equatable {
        public var mountID: Int
        public var parentID: Int
        /// `st_dev` of files on this filesystem.
        public var major: UInt32
        public var minor: UInt32
        /// The directory of the filesystem that forms this mount's root (not `/` for bind mounts of a subtree).
        public var root: String
        /// Where it is mounted, relative to the reader's root, with octal escapes (`\040`) decoded.
        public var mountPoint: String
        /// Per-mount options (`rw`, `ro`, `nosuid`, `relatime`…).
        public var mountOptions: [String]
        /// Propagation fields before the `-` (`shared:1`, `master:2`…).
        public var optionalFields: [String]
        public var fileSystemType: String
        public var source: String
        /// Per-superblock options; for cgroup v1 these name the controllers (`rw,cpu,cpuacct`).
        public var superOptions: [String]

        /// Mounted read-only (the per-mount `ro`, which is what makes writes fail with `EROFS`).
        public var isReadOnly: Bool { mountOptions.contains("ro") }
    }

    /// Mounts in the kernel's order (parents before children, later mounts over earlier ones).
    public var mounts: [Mount]

    public init(mounts: [Mount]) {
        self.mounts = mounts
    }

    /// Mounts that are read-only.
    public var readOnlyMounts: [Mount] { mounts.filter(\.isReadOnly) }

    /// Parses the text of a `mountinfo` file.
    /// - Throws: `KernelTextError` naming the line when one lacks the `-` separator or a required field.
    public static func parse(_ text: String) throws(KernelTextError) -> MountInfo {
        var mounts: [Mount] = []
        for (number, line) in KernelText.lines(text) {
            mounts.append(try parseLine(line, number: number))
        }
        return MountInfo(mounts: mounts)
    }

    private static func parseLine(_ line: Substring, number: Int) throws(KernelTextError) -> Mount {
        // Split on single spaces: the kernel escapes spaces inside fields, and an empty source stays a field.
        let fields = line.split(separator: " ", omittingEmptySubsequences: false)
        func fail(_ message: String) -> KernelTextError {
            KernelTextError(file: .mountInfo, line: number, message: message)
        }
        guard fields.count >= 10, let separator = fields[6...].firstIndex(of: "-") else {
            throw fail("expected 6 fields, optional fields, '-', and 3 more")
        }
        guard fields.count >= separator + 3 else {
            throw fail("expected file system type, source and super options after '-'")
        }
        guard let mountID = Int(fields[0]), let parentID = Int(fields[1]) else {
            throw fail("garbled mount id")
        }
        let device = fields[2].split(separator: ":")
        guard device.count == 2, let major = UInt32(device[0]), let minor = UInt32(device[1]) else {
            throw fail("garbled major:minor '\(fields[2])'")
        }
        return Mount(
            mountID: mountID,
            parentID: parentID,
            major: major,
            minor: minor,
            root: unescape(fields[3]),
            mountPoint: unescape(fields[4]),
            mountOptions: fields[5].split(separator: ",").map(String.init),
            optionalFields: fields[6..<separator].map(String.init),
            fileSystemType: unescape(fields[separator + 1]),
            source: unescape(fields[separator + 2]),
            superOptions: separator + 3 < fields.count
                ? fields[separator + 3].split(separator: ",").map(String.init) : []
        )
    }

    /// Decodes the kernel's `\ooo` escapes (space, tab, newline and backslash are written so).
    static func unescape(_ field: Substring) -> String {
        guard field.contains("\\") else { return String(field) }
        var bytes: [UInt8] = []
        let utf8 = Array(field.utf8)
        var index = 0
        while index < utf8.count {
            if utf8[index] == UInt8(ascii: "\\"), index + 3 < utf8.count,
                let value = octal(utf8[(index + 1)...(index + 3)])
            {
                bytes.append(value)
                index += 4
            } else {
                bytes.append(utf8[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func octal(_ digits: ArraySlice<UInt8>) -> UInt8? {
        var value: UInt16 = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "7") else { return nil }
            value = value * 8 + UInt16(digit - UInt8(ascii: "0"))
        }
        return value <= 255 ? UInt8(value) : nil
    }
}
