extension ConfigParser {
    /// The keys of a `[[target]]` table that `parseRoleChange` reads.
    static let roleKeys = ["promote", "promote_signal", "demote", "status"]

    /// `promote`, `promote_signal`, `demote` and `status` (see `RoleChange`): commands are argv arrays with an absolute
    /// program path; a target promotes one way only.
    static func parseRoleChange(_ reader: ConfigTableReader, problems: inout [ConfigProblem]) -> RoleChange {
        var change = RoleChange()
        let command = roleCommand("promote", reader, problems: &problems)
        var signal: Signal?
        if let value = reader.value("promote_signal") {
            if let name = value.string, let parsed = Signal(name: name) {
                signal = parsed
            } else {
                let known = Signal.names.keys.sorted().joined(separator: ", ")
                problems.append(
                    reader.problem("promote_signal", "expected a signal name like \"SIGUSR1\" (known: \(known))")
                )
            }
        }
        if command != nil, signal != nil {
            problems.append(reader.problem("promote_signal", "give promote or promote_signal, not both"))
        } else if let command {
            change.promote = .exec(command)
        } else if let signal {
            change.promote = .signal(signal)
        }
        change.demote = roleCommand("demote", reader, problems: &problems)
        change.status = roleCommand("status", reader, problems: &problems)
        return change
    }

    private static func roleCommand(
        _ key: String,
        _ reader: ConfigTableReader,
        problems: inout [ConfigProblem]
    ) -> [String]? {
        guard let argv = stringArray(key, reader, problems: &problems) else { return nil }
        guard let program = argv.first, program.hasPrefix("/") else {
            problems.append(
                reader.problem(
                    key,
                    "expected a command with an absolute program path, e.g. [\"/usr/local/sbin/\(key)\"]"
                )
            )
            return nil
        }
        return argv
    }
}
