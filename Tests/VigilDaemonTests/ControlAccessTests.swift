import Foundation
import Testing
import VigilCore
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Who may use the control socket, with the real vigilctl run as other users (setpriv) against the real vigild.
@Suite struct ControlAccessEndToEndTests {
    private func vigilctl(
        as user: (uid: Int, gid: Int),
        _ arguments: [String]
    ) throws -> (
        status: Int32, out: String, err: String
    ) {
        try ProcessProbe.run(
            "/usr/bin/setpriv",
            [
                "--reuid=\(user.uid)", "--regid=\(user.gid)", "--clear-groups",
                VigildProcess.siblingExecutable("vigilctl"),
            ]
                + arguments
        )
    }

    @Test func readGroupMayReadButNotChangeAndOthersCannotConnect() async throws {
        let vigild = try VigildProcess(
            config: """
                [daemon]
                control_read_group = "nogroup"

                [[target]]
                name = "a"
                exec = ["/bin/sleep", "1000"]
                """
        )
        try await vigild.waitForEvent(.daemonReady)
        var info = stat()
        #expect(stat(vigild.controlSocket, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o660 && info.st_gid == 65534, "root:nogroup 0660")

        let reader = (uid: 65534, gid: 65534)
        let status = try vigilctl(as: reader, ["status", "--socket", vigild.controlSocket])
        #expect(status.status == 0, "\(status.err)")
        #expect(status.out.contains("a"))
        #expect(status.out.contains("running"))

        let restart = try vigilctl(as: reader, ["restart", "a", "--socket", vigild.controlSocket])
        #expect(restart.status == 1)
        #expect(restart.err.contains("permission denied: restart needs root; uid 65534 is not"))
        #expect(vigild.events(.targetStopping).isEmpty)

        let stranger = try vigilctl(as: (uid: 65534, gid: 1), ["status", "--socket", vigild.controlSocket])
        #expect(stranger.status == 1)
        #expect(stranger.err.contains("Permission denied"))
    }
}
