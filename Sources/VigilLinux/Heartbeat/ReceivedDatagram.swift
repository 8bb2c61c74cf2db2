/// One datagram taken from a `DatagramListener`.
public struct ReceivedDatagram: Sendable, Equatable {
    /// Bytes stored in the caller's buffer.
    public var count: Int
    /// The datagram's real size, which is larger than `count` when it did not fit.
    public var length: Int
    public var source: DatagramSource

    public init(count: Int, length: Int, source: DatagramSource) {
        self.count = count
        self.length = length
        self.source = source
    }

    /// Whether the datagram was cut to fit the buffer. The caller must drop it (as `oversized` for
    /// heartbeats): a cut packet must never be mistaken for a shorter, complete one.
    public var isTruncated: Bool { length > count }
}
