/// Why a received datagram was not taken as a heartbeat. The raw values are what logs and metrics show.
public enum HeartbeatDropReason: String, Error, Sendable, CaseIterable {
    /// Shorter than a complete packet (or than the length its header declares).
    case truncated
    /// Longer than the length its header declares, or than the largest possible packet (128 bytes).
    case oversized
    /// Wrong magic, version or flags, a name length outside 1...64, or a name that is not UTF-8.
    case malformed
    /// Names a target that has no heartbeat key.
    case unknownTarget = "unknown-target"
    /// The HMAC does not match: a forgery, a corrupted packet or the wrong key.
    case badMAC = "bad-mac"
    /// Authentic, but already seen, too old for the replay window, or from an older incarnation.
    case replay
    /// Its source (or all sources together) sent faster than the rate limit allows.
    case rateLimited = "rate-limited"
    /// Came through a guest's virtio-serial channel but names another target than that guest's.
    case wrongChannel = "wrong-channel"
}
