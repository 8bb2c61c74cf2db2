/// The role an instance reports for itself: in its sd_notify `STATUS=` text, or in the output of its `status` hook.
/// A promoted hot standby must report `primary` within its verification window by one of the ways it has.
public enum RoleReport {
    /// The role a `status` hook answered: the last non-empty line of its output, without surrounding white space,
    /// is exactly `primary` or `standby` (lines before it are free for diagnostics), and the hook exited with 0.
    /// `nil` for any other answer, which means "not known" (the hook is asked again).
    public static func role(inStatusOutput output: String, exitedWithZero: Bool) -> TargetRole? {
        guard exitedWithZero else { return nil }
        let last = output.split(whereSeparator: \.isNewline).map(\.trimmingWhitespace).last { !$0.isEmpty }
        return last.flatMap { TargetRole(rawValue: String($0)) }
    }

    /// The role in a `STATUS=` text: a `role=primary` or `role=standby` word anywhere in it (words are separated by
    /// spaces, commas or semicolons), e.g. `STATUS=serving; role=primary`.
    /// - Returns: the role named in `status`, or `nil` when it names none (or several).
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
