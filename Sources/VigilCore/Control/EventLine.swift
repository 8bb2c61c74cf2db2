/// One line of `vigilctl events`: `2026-11-22 03:12:01.123  web  target-exited  web exited with status 1`.
///
/// The time is local wall-clock time to the millisecond; the event type and message take the colour of the
/// event's syslog priority, as `journalctl` does. Events about vigild itself, with no target, show `-`.
public enum EventLine {
    /// The line for `event`, without a trailing newline.
    /// - Parameters:
    ///   - event: The event.
    ///   - options: Colour and the local time zone.
    public static func render(_ event: EventRecord, options: ControlRenderOptions) -> String {
        let seconds = event.realtimeMicroseconds >= 0 ? event.realtimeMicroseconds / 1_000_000 : 0
        let time = WallClockText.format(
            microseconds: event.realtimeMicroseconds,
            utcOffset: options.utcOffset(seconds)
        )
        let style = TerminalStyle.forPriority(event.priority)
        let described = TerminalStyle.apply(style, "\(event.event)  \(event.message)", enabled: options.color)
        return "\(time)  \(event.target ?? "-")  \(described)"
    }
}
