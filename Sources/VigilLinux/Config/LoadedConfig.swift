import VigilCore

/// A configuration read from a file, validated, and resolved against this host: each process target's
/// executable found, its user and groups looked up.
public struct LoadedConfig: Sendable, Equatable {
    /// The file it came from, as given.
    public var file: String
    public var config: VigilConfig
    /// How to start each process target, by target name.
    public var launches: [String: LaunchSpec]

    public init(file: String, config: VigilConfig, launches: [String: LaunchSpec]) {
        self.file = file
        self.config = config
        self.launches = launches
    }
}
