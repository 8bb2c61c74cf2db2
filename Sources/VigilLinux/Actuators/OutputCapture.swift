import VigilCore

/// Keeps the last `limit` bytes of what a hook writes, counting what it drops.
struct OutputCapture {
    /// 64 KiB: enough for any diagnostic a hook prints, small enough for a journal entry.
    static let defaultLimit = 64 * 1024

    let limit: Int
    private(set) var bytes: [UInt8] = []
    private(set) var dropped = 0

    init(limit: Int = defaultLimit) {
        self.limit = limit
    }

    mutating func append(_ chunk: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: chunk)
        if bytes.count > limit {
            let excess = bytes.count - limit
            bytes.removeFirst(excess)
            dropped += excess
        }
    }

    var captured: CapturedOutput {
        CapturedOutput(text: String(decoding: bytes, as: UTF8.self), droppedBytes: dropped)
    }
}
