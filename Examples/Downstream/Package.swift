// swift-tools-version:6.0
//
// A package that uses lxattach's LXD library the way any other Swift program would: by
// version, from a git URL. Scripts/check-downstream points it at a tagged clone of this
// repository (LXATTACH_PACKAGE_URL) and runs it against the test bed. Not part of the
// root package: the root `swift build` never sees this folder.
import PackageDescription

let lxattachURL = Context.environment["LXATTACH_PACKAGE_URL"] ?? "https://github.com/lxattach/lxattach"
// The Swift blocks of README.md and Docs/*.md, one program each (Sources/Example1, Example2,
// …): written by Scripts/check-downstream, which names them here.
let docPrograms = (Context.environment["LXATTACH_DOC_PROGRAMS"] ?? "").split(separator: " ").map(String.init)

let package = Package(
    name: "Downstream",
    dependencies: [
        .package(url: lxattachURL, from: "0.1.0"),
    ],
    targets: [
        .executableTarget(
            name: "Downstream",
            dependencies: [.product(name: "LXD", package: "lxattach")]
        ),
    ] + docPrograms.map { name in
        .executableTarget(name: name, dependencies: [.product(name: "LXD", package: "lxattach")])
    }
)
