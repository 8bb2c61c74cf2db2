/// One `NAME=value` pair of a journal entry.
public struct JournalField: Sendable, Equatable {
    /// A valid journal field name (see `JournalFieldName.isValid`).
    public var name: String
    /// Any text; journald stores newlines and other bytes as they are.
    public var value: String

    /// - Parameters:
    ///   - name: A valid journal field name; callers with free-form keys map them with `JournalFieldName` first.
    ///   - value: The field's value.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
