import FoundationEssentials
import VigilCore

/// The control protocol's framing (`docs/control-protocol.md`): one compact JSON object per line, `\n` ends it.
///
/// Shared by the client and the server so both sides agree on the encoder settings.
public enum ControlLine {
    /// `value` as one line of JSON followed by `\n`. JSON escapes newlines inside strings, so the line is whole.
    /// - Throws: `EncodingError` only for values JSON cannot hold (a non-finite Double).
    public static func encode(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        // Sorted keys make lines comparable in logs and tests; unescaped slashes keep paths readable.
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value)) + [UInt8(ascii: "\n")]
    }

    /// Decodes one line (with or without its `\n`).
    /// - Throws: `DecodingError` when the line is not a `T`.
    public static func decode<T: Decodable>(_ type: T.Type, from line: some Collection<UInt8>) throws -> T {
        try JSONDecoder().decode(type, from: Data(line))
    }
}
