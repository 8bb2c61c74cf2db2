/// The role an instance reports for itself in its sd_notify `STATUS=` text: a `role=primary` or `role=standby`
/// word anywhere in it (words are separated by spaces, commas or semicolons), e.g. `STATUS=serving; role=primary`.
/// A promoted hot standby with a notify socket must report `role=primary` within its verification window.
public enum RoleReport {
    /// The role named in `status`, or `nil` when it names none (or several).
    public static func role(inStatus status: String) -> TargetRole? {
        let words = status.split { $0 == " " || $0 == "," || $0 == ";" || $0 == "\t" }
        let roles = Set(
            words.compactMap { word -> TargetRole? in
                guard word.hasPrefix("role=") else { return nil }
                return TargetRole(rawValue: String(word.dropFirst(5)))
            }
        )
        return roles.count == 1 ? roles.first : nil
    }
}
