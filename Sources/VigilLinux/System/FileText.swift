#if canImport(Glibc)
import Glibc
#endif

/// Reads small text files (configuration, `/proc` entries) in one go, without Foundation.
public enum FileText {
    /// The whole file at `path`, decoded as UTF-8 (invalid bytes become U+FFFD).
    /// - Throws: `SystemError` from `open` or `read`, naming the path.
    public static func read(_ path: String) throws(SystemError) -> String {
        let fd = try valueOrErrno("open", path) { open(path, O_RDONLY | O_CLOEXEC) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = try valueOrErrno("read", path) {
                chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            }
            if count == 0 {
                break
            }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The last `count` bytes of the file at `path` (all of it when shorter), decoded as UTF-8 (a character cut at
    /// the start becomes U+FFFD).
    /// - Throws: `SystemError` from `open`, `fstat` or `pread`, naming the path.
    public static func tail(_ path: String, bytes count: Int) throws(SystemError) -> String {
        let fd = try valueOrErrno("open", path) { open(path, O_RDONLY | O_CLOEXEC) }
        defer { close(fd) }
        var status = stat()
        _ = try valueOrErrno("fstat", path) { fstat(fd, &status) }
        let size = Int(status.st_size)
        let start = max(0, size - count)
        var bytes = [UInt8](repeating: 0, count: size - start)
        var filled = 0
        while filled < bytes.count {
            let read = try valueOrErrno("pread", path) {
                bytes.withUnsafeMutableBytes {
                    pread(fd, $0.baseAddress! + filled, $0.count - filled, off_t(start + filled))
                }
            }
            if read == 0 {
                break
            }
            filled += read
        }
        return String(decoding: bytes[..<filled], as: UTF8.self)
    }
}
