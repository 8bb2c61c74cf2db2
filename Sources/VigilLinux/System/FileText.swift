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
}
