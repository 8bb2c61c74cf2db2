/// The text `vigilctl status` prints: a header line about vigild, then one aligned row per target.
///
/// ```
/// vigild 0.4.0 (pid 812, up 3d4h, config /etc/vigil/vigil.toml, maintenance off): 2 running, 1 failed
/// host: healthy (pressure some avg10: cpu 3.4%, memory 0%, io 1.2%)
///
/// TARGET  KIND     STATE    HEALTH                                    PID  RESTARTS  UPTIME  LAST EVENT
/// web     process  running  healthy                                   913  0         3d4h    target-started 3d4h ago
/// ```
///
/// Pure: colour, the time and everything else come in through `ControlRenderOptions`.
public enum StatusTable {
    /// The column titles, in order.
    static let titles = ["TARGET", "KIND", "STATE", "HEALTH", "PID", "RESTARTS", "UPTIME", "LAST EVENT"]

    /// The whole table, ending in a newline.
    /// - Parameters:
    ///   - status: What vigild reported.
    ///   - options: Colour and the current wall-clock time.
    public static func render(_ status: DaemonStatus, options: ControlRenderOptions) -> String {
        var text = header(status, options: options) + "\n"
        if let host = status.host {
            text += host.line(color: options.color) + "\n"
        }
        if let cluster = status.cluster {
            text += cluster.line + "\n"
        }
        guard !status.targets.isEmpty else {
            return text + "\nno targets configured\n"
        }
        let rows = status.targets.map { cells($0, hostMaintenance: status.maintenance, options: options) }
        var widths = titles.map(\.count)
        for row in rows {
            for (column, cell) in row.enumerated() {
                widths[column] = max(widths[column], cell.text.count)
            }
        }
        text += "\n" + line(titles.map { Cell($0, nil) }, widths: widths, color: false)
        for row in rows {
            text += line(row, widths: widths, color: options.color)
        }
        return text
    }

    /// `vigild VERSION (pid P, up U, config F, maintenance on|off): SUMMARY`.
    static func header(_ status: DaemonStatus, options: ControlRenderOptions) -> String {
        let maintenance =
            status.maintenance
            ? TerminalStyle.cyan.apply("maintenance on", enabled: options.color) : "maintenance off"
        let uptime = CompactDuration.format(seconds: status.uptimeSeconds)
        return "vigild \(status.version) (pid \(status.pid), up \(uptime), config \(status.configFile), "
            + "\(maintenance)): \(status.summary)"
    }

    /// A cell's plain text (what its width is measured on) and its style.
    struct Cell {
        var text: String
        var style: TerminalStyle?

        init(_ text: String, _ style: TerminalStyle?) {
            self.text = text
            self.style = style
        }
    }

    static func cells(_ target: TargetStatus, hostMaintenance: Bool, options: ControlRenderOptions) -> [Cell] {
        let maintenance = target.maintenance || hostMaintenance
        var state = target.role.map { "\(target.state) (\($0.rawValue))" } ?? target.state
        if let eligible = target.standbyEligible {
            state += eligible ? " (eligible)" : " (not eligible: \(target.ineligibility ?? "?"))"
        }
        if maintenance {
            state += " (maintenance)"
        }
        let health = target.evidence.map { "\(target.health.rawValue): \($0)" } ?? target.health.rawValue
        return [
            Cell(target.name, nil),
            Cell(target.kind.rawValue, nil),
            Cell(state, TerminalStyle.forState(target.state, maintenance: maintenance)),
            Cell(health, TerminalStyle.forHealth(target.health)),
            Cell(target.pid.map(String.init) ?? "-", nil),
            Cell(String(target.restarts), nil),
            Cell(target.uptimeSeconds.map { CompactDuration.format(seconds: $0) } ?? "-", nil),
            Cell(target.lastEvent.map { lastEvent($0, options: options) } ?? "-", nil),
        ]
    }

    /// `target-exited 5m12s ago`: the event's type and its age by the wall clock.
    static func lastEvent(_ event: EventRecord, options: ControlRenderOptions) -> String {
        let age = Double(options.nowMicroseconds - event.realtimeMicroseconds) / 1e6
        return "\(event.event) \(CompactDuration.format(seconds: age)) ago"
    }

    /// Cells padded to their column's width and joined by two spaces; the last cell is not padded, so no line
    /// ends in blanks. Padding goes outside the colour escapes, which take no room on screen.
    static func line(_ cells: [Cell], widths: [Int], color: Bool) -> String {
        var parts: [String] = []
        for (column, cell) in cells.enumerated() {
            let styled = TerminalStyle.apply(cell.style, cell.text, enabled: color)
            let padding = column + 1 < cells.count ? widths[column] - cell.text.count : 0
            parts.append(styled + String(repeating: " ", count: padding))
        }
        return parts.joined(separator: "  ") + "\n"
    }
}
