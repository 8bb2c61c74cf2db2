/// The request line of an HTTP/1.x request, parsed from the bytes received so far. Pure: no I/O, so the odd
/// inputs (a bare LF, a head cut in half, junk) are tested on byte arrays.
///
/// Only what the metrics server needs: the method and the path. Header fields are checked for shape (so junk is
/// refused with 400) and otherwise ignored; a request body is never read.
struct HTTPRequestHead: Sendable, Equatable {
    /// The most a request head may take, request line and header fields together.
    static let maximumSize = 8 * 1024

    /// What the bytes received so far amount to.
    enum Parsed: Sendable, Equatable {
        /// No empty line yet, and still within `maximumSize`: read more.
        case incomplete
        /// A whole, well-formed head.
        case complete(HTTPRequestHead)
        /// Not HTTP/1.x, or malformed: answer 400.
        case invalid
        /// No end of the head within `maximumSize`: answer 431.
        case tooLarge
    }

    /// `GET`, `HEAD`…, case-sensitive as HTTP says.
    var method: String
    /// The request target's path, without its query: `/metrics` for `/metrics?x=1`.
    var path: String

    /// Parses the head at the start of `bytes`.
    ///
    /// Lines end in CRLF or, leniently (RFC 9112 §2.2), a bare LF; empty lines before the request line are
    /// skipped, as the RFC asks of a server.
    static func parse(_ bytes: [UInt8]) -> Parsed {
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        var ended = false
        for index in bytes.indices where bytes[index] == UInt8(ascii: "\n") {
            var line = bytes[start..<index]
            if line.last == UInt8(ascii: "\r") {
                line = line.dropLast()
            }
            start = index + 1
            if line.isEmpty {
                if lines.isEmpty {
                    continue
                }
                ended = true
                break
            }
            lines.append(line)
        }
        guard ended else {
            return bytes.count > maximumSize ? .tooLarge : .incomplete
        }
        guard start <= maximumSize else { return .tooLarge }
        guard let head = requestLine(lines[0]), lines.dropFirst().allSatisfy(isHeaderField) else { return .invalid }
        return .complete(head)
    }

    /// `METHOD SP TARGET SP HTTP/1.x`, with an origin-form target (`/…`).
    private static func requestLine(_ line: ArraySlice<UInt8>) -> HTTPRequestHead? {
        let parts = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].allSatisfy(isTokenByte),
            let target = String(validating: parts[1], as: UTF8.self), target.hasPrefix("/"),
            target.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f }),
            parts[2].elementsEqual("HTTP/1.1".utf8) || parts[2].elementsEqual("HTTP/1.0".utf8),
            let method = String(validating: parts[0], as: UTF8.self), !method.isEmpty
        else {
            return nil
        }
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]
        return HTTPRequestHead(method: method, path: String(path))
    }

    /// `NAME: value`, with a token for a name and no whitespace before the colon.
    private static func isHeaderField(_ line: ArraySlice<UInt8>) -> Bool {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex else { return false }
        return line[..<colon].allSatisfy(isTokenByte)
            && line[colon...].allSatisfy { $0 == UInt8(ascii: "\t") || ($0 >= 0x20 && $0 != 0x7f) }
    }

    /// RFC 9110 `tchar`: the bytes a method or field name may contain.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
