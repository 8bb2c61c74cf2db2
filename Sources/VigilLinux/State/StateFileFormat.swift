import Crypto
import FoundationEssentials
import VigilCore

/// The bytes of a state file: one header line carrying the payload's length and SHA-256, then the payload, JSON.
///
/// ```
/// vigil-state 1 length=1234 sha256=9f86d081884c7d65…
/// { "generation" : 7, … }
/// ```
///
/// The length catches truncation at a glance and SHA-256 (swift-crypto) any other damage; a file that fails either
/// is corrupt, never half-read. The JSON stays readable for an operator with `tail -n +2`.
public enum StateFileFormat {
    static let magic = "vigil-state"

    /// The file's bytes for `state`.
    /// - Throws: `EncodingError` if a value cannot be encoded (not expected for these types).
    public static func encode(_ state: PersistedState) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let payload = try encoder.encode(state)
        let header = "\(magic) \(PersistedState.currentVersion) length=\(payload.count) sha256=\(hex(payload))\n"
        return Array(header.utf8) + Array(payload)
    }

    /// The state in `bytes`, or what is wrong with them.
    /// - Parameter path: names the file in the error.
    /// - Throws: `StateStoreError` with code `corrupt` or `unsupportedVersion`.
    public static func decode(_ bytes: [UInt8], path: String) throws(StateStoreError) -> PersistedState {
        func corrupt(_ message: String) -> StateStoreError {
            StateStoreError(code: .corrupt, path: path, message: message)
        }
        guard bytes.count <= StateStore.maximumSize else {
            throw corrupt("larger than \(StateStore.maximumSize >> 20) MiB (not a state file)")
        }
        guard let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) else {
            throw corrupt(bytes.isEmpty ? "empty file (truncated)" : "no header line (truncated or not a state file)")
        }
        let header = String(decoding: bytes[..<newline], as: UTF8.self).split(separator: " ")
        guard header.count == 4, header[0] == magic, let version = Int(header[1]),
            header[2].hasPrefix("length="), let length = Int(header[2].dropFirst("length=".count)),
            header[3].hasPrefix("sha256=")
        else {
            throw corrupt("bad header (not a vigil state file, or garbled)")
        }
        guard version <= PersistedState.currentVersion else {
            throw StateStoreError(
                code: .unsupportedVersion,
                path: path,
                message: "format version \(version) is newer than this vigild's \(PersistedState.currentVersion)"
            )
        }
        let payload = Data(bytes[(newline + 1)...])
        guard payload.count == length else {
            throw corrupt("payload is \(payload.count) bytes, header says \(length) (truncated or extended)")
        }
        let expected = String(header[3].dropFirst("sha256=".count))
        let actual = hex(payload)
        guard expected == actual else {
            throw corrupt(
                "checksum mismatch (header says sha256 \(expected.prefix(16))…, content is \(actual.prefix(16))…)"
            )
        }
        do {
            var state = try JSONDecoder().decode(PersistedState.self, from: payload)
            // No target ever had PID 0, 1 or a negative one; adopting one would make stopping the target signal
            // init's group or, through kill(-1), every process on the host.
            for (name, target) in state.targets where (target.pid ?? 2) <= 1 {
                state.targets[name]?.pid = nil
                state.targets[name]?.pidStartTime = nil
            }
            return state
        } catch {
            throw corrupt("checksum matches but the content does not decode: \(error)")
        }
    }

    private static func hex(_ data: Data) -> String {
        SHA256.hash(data: data).map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }
}
