// swift-tools-version: 6.2
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .treatAllWarnings(as: .error),
]

let package = Package(
    name: "Vigil",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "vigild", targets: ["vigild"]),
        .executable(name: "vigilctl", targets: ["vigilctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", exact: "0.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        .systemLibrary(
            name: "CSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),
        .systemLibrary(name: "CLinux"),
        .target(
            name: "VigilCore",
            dependencies: [.product(name: "TOMLKit", package: "TOMLKit")],
            swiftSettings: strict
        ),
        .target(
            name: "VigilLinux",
            dependencies: [
                "VigilCore", "CSystemd", "CLinux",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "VigilDaemon",
            dependencies: [
                "VigilCore", "VigilLinux", "CLinux",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "vigild",
            dependencies: [
                "VigilDaemon", "VigilLinux", "VigilCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "vigilctl",
            dependencies: [
                "VigilCore", "VigilLinux",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "VigilTestSupport",
            dependencies: ["VigilLinux", "VigilCore"],
            path: "Tests/VigilTestSupport",
            swiftSettings: strict
        ),
        // Test-only: writes state transitions in a loop so a test can SIGKILL it mid-write (StateStoreTortureTests).
        .executableTarget(
            name: "vigil-state-torture",
            dependencies: ["VigilLinux", "VigilCore"],
            path: "Tests/VigilStateTorture",
            swiftSettings: strict
        ),
        .testTarget(name: "VigilCoreTests", dependencies: ["VigilCore"], swiftSettings: strict),
        .testTarget(
            name: "VigilLinuxTests",
            dependencies: [
                "VigilLinux", "VigilCore", "VigilTestSupport", "vigil-state-torture",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "VigilDaemonTests",
            dependencies: ["VigilDaemon", "VigilLinux", "VigilCore", "VigilTestSupport", "vigild", "vigilctl"],
            exclude: ["Fixtures"],
            swiftSettings: strict
        ),
    ]
)
