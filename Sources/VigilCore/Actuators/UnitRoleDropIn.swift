/// The runtime drop-in that gives a systemd unit of a hot-standby group its role: vigild writes it as
/// `<systemd_dropins>/<unit>.d/50-vigil-role.conf` (by default under `/run/systemd/system`, which systemd
/// reads and a reboot empties) and has systemd reload its units before it starts the unit, so the unit's processes
/// find `VIGIL_ROLE` in their environment as a program vigild spawns does.
///
/// ```ini
/// # Written by vigild: the role db-b starts in as a member of hot-standby group db-a.
/// [Service]
/// Environment=VIGIL_ROLE=standby VIGIL_TARGET=db-b VIGIL_SERVICE=db-a
/// ```
public enum UnitRoleDropIn {
    /// The drop-in's file name within the unit's `.d` directory.
    public static let fileName = "50-vigil-role.conf"

    /// The drop-in's path for `unit` under `directory` (the runtime unit directory).
    public static func path(unit: String, directory: String) -> String {
        directory + "/" + unit + ".d/" + fileName
    }

    /// The drop-in's text for `target` (driving `unit`), a member of the hot-standby group `service`, starting in
    /// `role`. Target and service names are `[A-Za-z0-9_.@-]` (the configuration checks it), so no quoting is needed.
    public static func text(role: TargetRole, target: String, service: String) -> String {
        """
        # Written by vigild: the role \(target) starts in as a member of hot-standby group \(service).
        [Service]
        Environment=VIGIL_ROLE=\(role.rawValue) VIGIL_TARGET=\(target) VIGIL_SERVICE=\(service)

        """
    }
}
