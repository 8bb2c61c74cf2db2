/// A place in vigil's source.
public struct SourceLocation: Sendable, Equatable {
    public var file: String
    public var function: String
    public var line: UInt

    public init(file: String, function: String, line: UInt) {
        self.file = file
        self.function = function
        self.line = line
    }
}
