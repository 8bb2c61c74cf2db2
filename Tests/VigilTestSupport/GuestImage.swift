import Foundation

/// The test guest's kernel and initramfs, built from Debian packages by `scripts/guest/build` into the git-ignored
/// `.cache/guest/` of the repository (once; later runs find them there), see that script for what is in them.
public struct GuestImage: Sendable {
    /// The kernel's ELF `vmlinux`, for a direct boot.
    public var kernel: String
    /// The busybox initramfs with the test init and `vigil-guest-agent`.
    public var initrd: String

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    private static let built = Result { () throws -> GuestImage in
        let cache = repository + "/.cache/guest"
        let result = try ProcessProbe.run(repository + "/scripts/guest/build", [cache])
        guard result.status == 0 else {
            throw LibvirtdError(message: "scripts/guest/build failed (\(result.status)): \(result.err)\(result.out)")
        }
        return GuestImage(kernel: cache + "/vmlinux", initrd: cache + "/initrd.gz")
    }

    /// Builds the images unless cached, once per test process.
    /// - Throws: `LibvirtdError` with the build script's output when it failed.
    public static func build() throws -> GuestImage {
        try built.get()
    }
}
