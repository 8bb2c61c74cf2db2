#if canImport(Glibc)
import Glibc
#endif

/// vigild's own environment, read from `environ`.
public enum ProcessEnvironment {
    /// Every variable, by name.
    public static func current() -> [String: String] {
        var result: [String: String] = [:]
        var cursor = environ
        while let entry = cursor.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            cursor += 1
        }
        return result
    }
}
