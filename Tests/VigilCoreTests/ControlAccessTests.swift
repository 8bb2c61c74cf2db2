import Testing
import VigilCore

@Suite struct ControlAccessTests {
    private let access = ControlAccess(adminGroup: ("vigil-admin", 900), readGroup: ("vigil-read", 901))

    @Test func rootMayDoEverything() {
        for command in ControlCommand.allCases {
            #expect(access.refusal(of: command, by: .init(pid: 1, uid: 0, gids: [0])) == nil)
        }
    }

    @Test func adminGroupMayDoEverythingReadGroupOnlyRead() {
        let admin = ControlAccess.Peer(pid: 2, uid: 1000, gids: [1000, 900])
        let reader = ControlAccess.Peer(pid: 3, uid: 1001, gids: [1001, 901])
        for command in ControlCommand.allCases {
            #expect(access.refusal(of: command, by: admin) == nil)
            #expect((access.refusal(of: command, by: reader) == nil) == !command.mutates)
        }
        #expect(
            access.refusal(of: .restart, by: reader)
                == "permission denied: restart needs root or a member of group vigil-admin; uid 1001 is not"
        )
    }

    @Test func anyoneElseIsRefusedWithWhatTheyWouldNeed() {
        let stranger = ControlAccess.Peer(pid: 4, uid: 1002, gids: [1002])
        #expect(
            access.refusal(of: .status, by: stranger)
                == "permission denied: status needs root or a member of group vigil-admin or group vigil-read; "
                + "uid 1002 is not"
        )
        #expect(
            ControlAccess().refusal(of: .status, by: stranger)
                == "permission denied: status needs root; uid 1002 is not"
        )
    }
}
