// swift-tools-version:6.0
//
// lxattach: run commands inside LXD / Incus instances and attach them to a
// terminal or a script. Layers, arrows pointing one way:
//
//   WebSocket (pure RFC 6455 codec)
//        ↓
//   Transport (unix, TCP, TLS via COpenSSL)  →  HTTP (HTTP/1.1, upgrade)
//        ↓
//   LXD (config, REST, operations; exec: the pure ExecSessionMachine in Exec/Machine,
//        ↓  the ExecEventLoop that drives N sessions in Engine)
//   Terminal (raw mode, window size, signals: hooks for the exec event loop; the
//        ↓   session recording's writer, over the pure Asciicast module)
//        ↓
//   lxattach (CLI)
import PackageDescription

let package = Package(
    name: "lxattach",
    products: [
        .executable(name: "lxattach", targets: ["lxattach"]),
        .executable(name: "lxattach-config", targets: ["lxattach-config"]),
        .library(name: "LXD", targets: ["LXD"]),
        .library(name: "WebSocket", targets: ["WebSocket"]),
        // For the libFuzzer harnesses (Fuzz/Package.swift), which use this package by path.
        .library(name: "HTTP", targets: ["HTTP"]),
        .library(name: "JSON", targets: ["JSON"]),
        .library(name: "Asciicast", targets: ["Asciicast"]),
        .library(name: "LXDConfigYAML", targets: ["LXDConfigYAML"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // `swift package generate-documentation --target LXD` (Scripts/check-docs).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // RFC 6455 framing: no I/O, standard library only.
        .target(name: "WebSocket"),
        // Debian's libssl-dev (headers in /usr/include/openssl), linked as an ordinary
        // system library (Transport below): no unsafe flags, so other packages can depend
        // on this one by version.
        .systemLibrary(
            name: "COpenSSL",
            providers: [.apt(["libssl-dev"])]
        ),
        // Byte streams: unix socket, TCP, TLS. Debug and library builds link the shared
        // libssl/libcrypto. Scripts/build-release links the static archives instead (on
        // its command line): a unix-socket exec then never pages TLS code in (the shared
        // libcrypto costs ~1.5 MiB of RSS just by being loaded and relocated).
        .target(
            name: "Transport",
            dependencies: ["COpenSSL"],
            linkerSettings: [.linkedLibrary("ssl"), .linkedLibrary("crypto")]
        ),
        // HTTP/1.1 requests, responses and the websocket upgrade.
        .target(name: "HTTP", dependencies: ["Transport", "WebSocket"]),
        // JSON values, parser and writer: no Foundation on the exec path.
        .target(name: "JSON"),
        // The LXD API: config, REST envelopes, operations, exec (a pure session machine
        // and the one-thread event loop that drives any number of sessions).
        // It logs through the swift-log `Logger` it is given (none: nothing is logged).
        .target(name: "LXD", dependencies: [
            "HTTP", "Transport", "WebSocket", "JSON", .product(name: "Logging", package: "swift-log"),
        ]),
        // lxc's config.yml read with Yams. Yams links Foundation (and ICU), which costs
        // ~5 MiB of RSS at load, so it lives in its own small executable that lxattach
        // runs only when config.yml changed (see LXD/Config/ConfigLoader.swift).
        .target(name: "LXDConfigYAML", dependencies: ["LXD", "JSON", "Yams"]),
        .executableTarget(name: "lxattach-config", dependencies: ["LXDConfigYAML"]),
        // Session recording as asciicast v2: a pure value (bytes and times in, JSON lines
        // out), standard library and the JSON writer only.
        .target(name: "Asciicast", dependencies: ["JSON"]),
        // Raw mode, window size, signal relay, the recording's file writer: the local side
        // of an exec session.
        .target(name: "Terminal", dependencies: ["LXD", "Transport", "Asciicast"]),
        .executableTarget(
            name: "lxattach",
            dependencies: [
                "LXD", "Terminal", "HTTP", "JSON", "Transport", "Asciicast",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "WebSocketTests", dependencies: ["WebSocket"]),
        .testTarget(name: "HTTPTests", dependencies: ["HTTP", "Transport"]),
        // Transport against OpenSSL directly (an in-process TLS server). Its own target:
        // a file importing COpenSSL hides glibc's socket constants from the other files
        // of its module (the shim's <sys/socket.h> then belongs to COpenSSL).
        .testTarget(name: "TransportTests", dependencies: ["Transport"]),
        .testTarget(name: "JSONTests", dependencies: ["JSON"]),
        .testTarget(name: "AsciicastTests", dependencies: ["Asciicast", "JSON"]),
        // The recording's file and its writer process, on local files (no daemon).
        .testTarget(name: "TerminalTests", dependencies: ["Terminal"]),
        .testTarget(name: "CLITests", dependencies: ["lxattach"]),
        .testTarget(name: "LXDTests", dependencies: ["LXD", "LXDConfigYAML", "JSON"]),
        // Drives the built lxattach binary against a real LXD daemon.
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "lxattach", "lxattach-config", "LXD", .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ]
)
