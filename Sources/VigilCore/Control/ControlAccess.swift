/// Who may do what on the control socket, from the peer's credentials (`SO_PEERCRED`, `SO_PEERGROUPS`).
///
/// Root and members of the admin group may use every command; members of the read-only group may use `status`
/// and `events`; anyone else is refused. The answer says why, so a refused operator knows what to ask for.
public struct ControlAccess: Sendable, Equatable {
    public var adminGroup: (name: String, gid: UInt32)?
    public var readGroup: (name: String, gid: UInt32)?

    public init(adminGroup: (name: String, gid: UInt32)? = nil, readGroup: (name: String, gid: UInt32)? = nil) {
        self.adminGroup = adminGroup
        self.readGroup = readGroup
    }

    /// The peer of a connection.
    public struct Peer: Sendable, Equatable {
        public var pid: Int32
        public var uid: UInt32
        /// Primary and supplementary groups.
        public var gids: [UInt32]

        public init(pid: Int32, uid: UInt32, gids: [UInt32]) {
            self.pid = pid
            self.uid = uid
            self.gids = gids
        }
    }

    /// `nil` when `peer` may run `command`, else the reason it may not.
    public func refusal(of command: ControlCommand, by peer: Peer) -> String? {
        if peer.uid == 0 {
            return nil
        }
        if let admin = adminGroup, peer.gids.contains(admin.gid) {
            return nil
        }
        if !command.mutates, let read = readGroup, peer.gids.contains(read.gid) {
            return nil
        }
        let groups = [adminGroup?.name, command.mutates ? nil : readGroup?.name].compactMap { $0 }
        let needed =
            groups.isEmpty ? "root" : "root or a member of " + groups.map { "group \($0)" }.joined(separator: " or ")
        return "permission denied: \(command.rawValue) needs \(needed); uid \(peer.uid) is not"
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.adminGroup?.gid == rhs.adminGroup?.gid && lhs.adminGroup?.name == rhs.adminGroup?.name
            && lhs.readGroup?.gid == rhs.readGroup?.gid && lhs.readGroup?.name == rhs.readGroup?.name
    }
}
