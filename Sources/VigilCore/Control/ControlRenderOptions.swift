/// What the pure renderers of `vigilctl` need to know about the world, passed in so they do no I/O: whether to
/// colour, what time it is, and the local time zone.
public struct ControlRenderOptions: Sendable {
    /// Whether to emit ANSI colour escapes (the caller decides from `isatty` and `NO_COLOR`).
    public var color: Bool
    /// Wall-clock now, microseconds since the epoch, for "5m12s ago".
    public var nowMicroseconds: Int64
    /// Seconds to add to UTC to get local time at a given epoch second (east positive); the caller asks the C
    /// library, which knows the daylight-saving rules, so a `--follow` across a clock change stays right.
    public var utcOffset: @Sendable (_ epochSeconds: Int64) -> Int

    /// - Parameters:
    ///   - color: Emit ANSI colour escapes.
    ///   - nowMicroseconds: Wall-clock now, microseconds since the epoch.
    ///   - utcOffset: Local time minus UTC in seconds at a given instant; UTC when omitted.
    public init(color: Bool, nowMicroseconds: Int64, utcOffset: @escaping @Sendable (Int64) -> Int = { _ in 0 }) {
        self.color = color
        self.nowMicroseconds = nowMicroseconds
        self.utcOffset = utcOffset
    }
}
