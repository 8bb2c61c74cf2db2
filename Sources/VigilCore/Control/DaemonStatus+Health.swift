extension TargetStatus {
    /// Whether the target is where an operator wants it: running, and not judged suspect or failed.
    ///
    /// `unknown` health counts as up: it means nothing judges the target beyond its exit, and it is running.
    public var isUp: Bool {
        state == "running" && (health == .healthy || health == .unknown)
    }
}

extension DaemonStatus {
    /// Whether every target is up (`vigilctl status` exits 0 then, 3 otherwise); true with no targets.
    public var allTargetsUp: Bool {
        targets.allSatisfy(\.isUp)
    }
}
