// swift-tools-version:6.0
//
// libFuzzer harnesses for lxattach's parsers, built by Scripts/fuzz (never by the main
// package's `swift build`):
//
//   swift build --package-path Fuzz -c release -Xswiftc -sanitize=fuzzer,address \
//       -Xswiftc -enable-testing
//
// Each folder Fuzz/Targets/<Name>/ is one executable target <Name>: a test function
// `(UnsafePointer<UInt8>?, Int) -> CInt` and an `@main` that hands it to `runFuzzer`
// (module FuzzMain, over libFuzzer's `LLVMFuzzerRunDriver`: module LibFuzzer). A new harness is a new folder; it depends on
// the modules listed for it below, else on LXD (and so on everything under it);
// `-enable-testing` lets it `@testable import` internals. Scripts/fuzz finds it by itself.
import Foundation
import PackageDescription

let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
// The main package, used by path: its identity is the name of its folder.
let root = here.deletingLastPathComponent()
let rootIdentity = root.lastPathComponent.lowercased()

let dependencies: [String: [String]] = [
    "DecoderFuzz": ["WebSocket"],
    "HTTPResponseFuzz": ["HTTP"],
    "JSONFuzz": ["JSON"],
    "ConfigFuzz": ["LXDConfigYAML", "LXD", "JSON"],
    "ExecMachineFuzz": ["LXD", "WebSocket"],
    "AsciicastFuzz": ["Asciicast", "JSON"],
]

let names = ((try? FileManager.default.contentsOfDirectory(atPath: here.appendingPathComponent("Targets").path)) ?? [])
    .filter { !$0.hasPrefix(".") }
    .sorted()

let package = Package(
    name: "lxattach-fuzz",
    dependencies: [.package(path: "..")],
    targets: [
        .target(name: "LibFuzzer", path: "Support/LibFuzzer"),
        .target(name: "FuzzMain", dependencies: ["LibFuzzer"], path: "Support/FuzzMain"),
    ] + names.map { name in
        .executableTarget(
            name: name,
            dependencies: ["FuzzMain"] + (dependencies[name] ?? ["LXD"]).map { .product(name: $0, package: rootIdentity) },
            path: "Targets/\(name)")
    }
)
