import Foundation

/// JSON for people and scripts: pretty-printed with sorted keys so that output is stable between runs.
enum JSONOutput {
    /// `value` as indented JSON with a trailing newline.
    static func pretty(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }
}
